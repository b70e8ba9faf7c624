// Each collection starts whole hubs (Kestrel, Hangfire, pollers) and some share process-wide listeners such as the
// OpenTelemetry meter provider: run the collections one after another so one hub's work cannot leak into another's
// assertions, and so a 2-core CI machine is not asked to run several hubs' background work at once.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
