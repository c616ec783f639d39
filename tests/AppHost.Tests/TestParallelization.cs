// One platform at a time: the tests that start one (the process tests, the restart tests) only slow each other down on
// a two-core machine, and a slowed-down stop reads as a leftover process.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
