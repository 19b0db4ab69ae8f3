using Xunit;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>
    /// The heavy reliability tests run one after another, not beside each other: their time bars (1 s of analyzer time
    /// per file, 5 s to stop after cancellation) measure the analyzers, not the contention between these tests on a
    /// two-core machine.
    /// </summary>
    [CollectionDefinition(Name)]
    public sealed class ReliabilityCollection
    {
        public const string Name = "Reliability (timed)";
    }
}
