using System.Linq;
using IommuAnalyzers.Flow;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>The lattice and the lock paths on their own.</summary>
    public class LockStateTests
    {
        private static (LockPath A, LockPath B, LockPath Alias) Paths()
        {
            var tree = CSharpSyntaxTree.ParseText("class G { public object M = new object(); public G Next; } class C { void F(G a, G b) { } }");
            var compilation = CSharpCompilation.Create("p", new[] { tree }, Verifiers.TestReferences.Framework);
            INamedTypeSymbol g = compilation.GetTypeByMetadataName("G")!;
            IMethodSymbol f = (IMethodSymbol)compilation.GetTypeByMetadataName("C")!.GetMembers("F").Single();
            ISymbol m = g.GetMembers("M").Single();
            LockPath a = LockPath.ForParameter(f.Parameters[0]).Append(m);
            LockPath b = LockPath.ForParameter(f.Parameters[1]).Append(m);
            LockPath again = LockPath.ForParameter(f.Parameters[0]).Append(m);
            return (a, b, again);
        }

        [Fact]
        public void Paths_AreEqualBySymbols_AndPrintAsDottedNames()
        {
            (LockPath a, LockPath b, LockPath again) = Paths();
            Assert.Equal(a, again);
            Assert.Equal(a.GetHashCode(), again.GetHashCode());
            Assert.NotEqual(a, b);
            Assert.Equal("a.M", a.ToString());
            Assert.Equal("a.M", a.ToAttributeExpression());
        }

        [Fact]
        public void Join_KeepsAllPathsOnlyWhereBothSidesHold()
        {
            (LockPath a, LockPath b, _) = Paths();
            LockState left = LockState.Empty.Acquire(a, LockKind.Monitor, null).Acquire(b, LockKind.Monitor, null);
            LockState right = LockState.Empty.Acquire(a, LockKind.Monitor, null);

            LockState joined = LockState.Join(left, right);

            Assert.True(joined.IsHeld(a));
            Assert.True(joined.IsHeldOnSomePathsOnly(b));
            Assert.Equal("{a.M, ~b.M}", joined.ToString());
            Assert.Equal(joined, LockState.Join(right, left));
            Assert.Equal(joined, LockState.Join(joined, left));
        }

        [Fact]
        public void RecursiveLocks_Count_NonRecursiveOnesDoNot()
        {
            (LockPath a, LockPath b, _) = Paths();
            LockState state = LockState.Empty.Acquire(a, LockKind.Monitor, null).Acquire(a, LockKind.Monitor, null)
                .Acquire(b, LockKind.KMutex, null).Acquire(b, LockKind.KMutex, null);

            state = state.Release(a).Release(b);

            Assert.True(state.IsHeld(a));
            Assert.True(state.IsNotHeld(b));
            Assert.True(state.Release(a).IsNotHeld(a));
        }
    }
}
