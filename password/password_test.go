package password

import "testing"

func TestHashCheck(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := Check("correct horse battery", h); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := Check("wrong", h); ok {
		t.Fatal("wrong password accepted")
	}
	if _, err := Check("x", "not-a-hash"); err == nil {
		t.Fatal("malformed hash accepted")
	}
	if CheckUnknown("anything") {
		t.Fatal("unknown user accepted")
	}
}
