-- Releasability in the database: analysts who connect QGIS or psql with a
-- per-party role see exactly the features that party may see. The rule is
-- the one of concord.Directory.CanSee; a test checks that both agree.

-- Which database role reads as which party (filled by concord db grant-analyst).
CREATE TABLE analyst_roles (
	role_name text PRIMARY KEY,
	party     text NOT NULL REFERENCES parties(code)
);

-- concord_can_see reports whether party viewer may see a record owned by
-- owner and released to rel.
CREATE FUNCTION concord_can_see(viewer text, owner text, rel text[]) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_kind   text;
	v_groups text[];
	refused  text[];
BEGIN
	SELECT kind, groups INTO v_kind, v_groups FROM parties WHERE code = viewer;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	IF v_kind = 'coordination' OR owner = viewer THEN
		RETURN true;
	END IF;
	-- The owner's release policy overrides rel: it refuses the viewer
	-- directly or through one of the viewer's groups.
	SELECT COALESCE(array_agg(n), '{}') INTO refused
		FROM parties p, jsonb_array_elements_text(COALESCE(p.policy -> 'never_release_to', '[]'::jsonb)) AS n
		WHERE p.code = owner;
	IF refused && (ARRAY[viewer] || v_groups) THEN
		RETURN false;
	END IF;
	RETURN rel && (ARRAY[viewer, 'ALL', 'PUBLIC'] || v_groups);
END
$$;

-- concord_viewer_party is the party a database role reads as. The policy
-- passes current_user: inside this SECURITY DEFINER function current_user
-- would be the function's owner.
CREATE FUNCTION concord_viewer_party(role_name text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT party FROM analyst_roles a WHERE a.role_name = concord_viewer_party.role_name
$$;

ALTER TABLE features ENABLE ROW LEVEL SECURITY;
CREATE POLICY features_releasable ON features FOR SELECT
	USING (NOT deleted AND concord_can_see(concord_viewer_party(current_user::text), owner, rel));

-- One view per feature kind, with a typed geometry column, so that QGIS
-- lists them as layers. security_invoker makes the row-level policy apply
-- to whoever queries the view.
CREATE VIEW layer_areas_of_operations WITH (security_invoker = true) AS
	SELECT id, name, description, owner, rel, version, updated_at, ST_Multi(geom)::geometry(MultiPolygon, 4326) AS geom
	FROM features WHERE kind = 'area_of_operations' AND NOT deleted;
CREATE VIEW layer_admin_areas WITH (security_invoker = true) AS
	SELECT id, name, attrs->>'admin_code' AS admin_code, (attrs->>'admin_level')::int AS admin_level, owner, rel, version, updated_at,
		ST_Multi(geom)::geometry(MultiPolygon, 4326) AS geom
	FROM features WHERE kind = 'admin_area' AND NOT deleted;
CREATE VIEW layer_sectors WITH (security_invoker = true) AS
	SELECT id, name, attrs->>'lead_party' AS lead_party, owner, rel, version, updated_at, ST_Multi(geom)::geometry(MultiPolygon, 4326) AS geom
	FROM features WHERE kind = 'sector' AND NOT deleted;
CREATE VIEW layer_restricted_areas WITH (security_invoker = true) AS
	SELECT id, name, description, attrs->>'controlling_party' AS controlling_party, valid_from, valid_to, owner, rel, version, updated_at,
		ST_Multi(geom)::geometry(MultiPolygon, 4326) AS geom
	FROM features WHERE kind = 'restricted_area' AND NOT deleted;
CREATE VIEW layer_activity_areas WITH (security_invoker = true) AS
	SELECT id, name, description, attrs->>'controlling_party' AS controlling_party, valid_from, valid_to, owner, rel, version, updated_at,
		ST_Multi(geom)::geometry(MultiPolygon, 4326) AS geom
	FROM features WHERE kind = 'activity_area' AND NOT deleted;
CREATE VIEW layer_control_lines WITH (security_invoker = true) AS
	SELECT id, name, attrs->>'line' AS line, attrs->>'line_version' AS line_version, attrs->>'controlling_party' AS controlling_party,
		owner, rel, version, updated_at, ST_Multi(geom)::geometry(MultiLineString, 4326) AS geom
	FROM features WHERE kind = 'control_line' AND NOT deleted;
CREATE VIEW layer_routes WITH (security_invoker = true) AS
	SELECT id, name, description, attrs->>'route_class' AS route_class, owner, rel, version, updated_at,
		ST_Multi(geom)::geometry(MultiLineString, 4326) AS geom
	FROM features WHERE kind = 'route' AND NOT deleted;
CREATE VIEW layer_sites WITH (security_invoker = true) AS
	SELECT id, name, attrs->>'site_kind' AS site_kind, attrs->>'operator' AS operator, attrs->>'status' AS status,
		(attrs->>'capacity')::double precision AS capacity, attrs->>'capacity_unit' AS capacity_unit, owner, rel, version, updated_at,
		ST_PointOnSurface(geom)::geometry(Point, 4326) AS geom
	FROM features WHERE kind = 'site' AND NOT deleted;
