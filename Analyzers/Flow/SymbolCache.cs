using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace IommuAnalyzers.Flow
{
    /// <summary>
    /// Per-compilation caches keyed by symbol. Every body of the compilation asks them, on every core, and most of their
    /// entries are added while the compiler is still binding: with the default two lock stripes on a 2-core machine the
    /// threads queue on each other's adds (and on the other thread's GC pause inside an add), which the sampled profile
    /// showed as a quarter of the lock engine's time. Many stripes and a table that starts large keep adds apart and
    /// resizes (which take every stripe) rare.
    /// </summary>
    internal static class SymbolCache
    {
        private const int InitialCapacity = 1024;

        // Enough for the cores a build machine has; a stripe is one small lock object.
        private const int Stripes = 64;

        public static ConcurrentDictionary<TSymbol, TValue> Create<TSymbol, TValue>()
            where TSymbol : class, ISymbol =>
            new ConcurrentDictionary<TSymbol, TValue>(Stripes, InitialCapacity, SymbolEqualityComparer.Default);
    }
}
