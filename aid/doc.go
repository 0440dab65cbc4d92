// Package aid is the humanitarian aid pipeline's engine: consignments
// (header and cargo lines), their append-only stage timelines with the
// rules that make a timeline legal, and the pipeline KPIs. It is pure and
// deterministic: no I/O, no clock.
//
// # Timelines
//
// A consignment is registered, submitted for clearance, cleared or
// rejected (and may be resubmitted), then its goods move along a chain:
// dispatched → arrived at crossing → inspected → offloaded (awaiting
// collection) → collected → in transit → delivered or intercepted (by a
// crowd or armed). Goods may be returned from any stage of the chain, and a
// consignment may be cancelled until something is dispatched. Quantities
// are partial: a stage may be recorded several times, and what a stage
// records may never exceed what sits at the stage before it (reached and
// neither moved on nor returned), in any unit (trucks, tonnes, pallets,
// litres). Receipts may split tonnes into good and damaged. Events are
// never edited: a correction is a new event that supersedes one of the same
// stage, and the timeline is replayed without the superseded event, so a
// correction that would make the timeline illegal is refused.
//
// # KPIs
//
// Over a date range and optional crossing, category and organisation:
// per day, goods entered (offloaded on the Gaza side: what the daily truck
// target is about), fuel litres, collected, delivered and intercepted, and
// whether the target was met; per crossing; collection, interception and
// delivery rates over tonnes; the north/south split of deliveries; what
// awaits collection and for how long; rejection reasons and rejected
// items; and the median and 90th-percentile dwell time between stages
// (nearest-rank quantiles). Trucks entered, collected and delivered are
// different numbers, owned by different actors; all three are reported.
package aid
