namespace IommuAnalyzers.Tests.Locking
{
    /// <summary>Wraps method bodies into a compilable file that uses the runtime.</summary>
    internal static class LockTestSource
    {
        public static string Class(string members) => @"using System;
using System.Threading;
using Iommu;

class Port
{
    private readonly KMutex _mutex = new KMutex();
    private readonly object _gate = new object();

    [GuardedBy(nameof(_mutex))]
    private int _count;

    [GuardedBy(nameof(_gate))]
    private int _monitorCount;

" + members + @"
}
";
    }
}
