// One platform at a time: two of them side by side on a two-core machine only slow each other down.
// (Journey tests share one platform through their own collection fixture, JourneyPlatform.)
[assembly: CollectionBehavior(DisableTestParallelization = true)]
