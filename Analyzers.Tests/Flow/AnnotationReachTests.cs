using System.Collections.Generic;
using System.Linq;
using IommuAnalyzers.Flow;
using IommuAnalyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace IommuAnalyzers.Tests.Flow
{
    /// <summary>
    /// <see cref="AnnotationReach"/> lets the annotation caches skip symbols that can carry nothing. Its answer must be
    /// exact: wherever it says "cannot", the attributes themselves (own, inherited through overrides, the property's for an
    /// accessor, the backing field's for an auto-property) hold no lock annotation. The oracle checks that on every member
    /// of a source compilation, of the runtime and of a few framework types; the named cases pin the near misses.
    /// </summary>
    public sealed class AnnotationReachTests
    {
        private const string Source = @"
using Iommu;

public class Plain
{
    public int Field;
    public int Auto { get; set; }
    public int Computed => Field;
    public void Method() { }
    public override string ToString() => ""plain"";
}

public class Annotated
{
    public readonly KMutex Mutex = new KMutex();

    [GuardedBy(nameof(Mutex))] public int Guarded;
    [field: GuardedBy(nameof(Mutex))] public int GuardedAuto { get; set; }
    public int Neighbour { get; set; }
    [GuardedBy(nameof(Mutex))] public virtual int GuardedProperty { get; set; }
    public int Getter { [RequiresLock(nameof(Mutex))] get => 0; }
    [RequiresLock(nameof(Mutex))] public virtual void Locked() { }
    [System.Obsolete] public void OtherAttribute() { }
}

public class Derived : Annotated
{
    public override int GuardedProperty { get; set; }
    public override void Locked() { }
}
";

        private static (Compilation Compilation, LockFlowContext Flow) Compile()
        {
            CSharpCompilation compilation = CSharpCompilation.Create(
                "ReachTests",
                new[] { CSharpSyntaxTree.ParseText(Source) },
                TestReferences.WithRuntime,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
            return (compilation, new LockFlowContext(IommuSymbols.TryCreate(compilation)!.LockModel));
        }

        [Fact]
        public void NoMemberTheFastTestSkipsCarriesAnAnnotation()
        {
            (Compilation compilation, LockFlowContext flow) = Compile();
            LockAnnotations annotations = flow.Model.Annotations;
            var types = new List<INamedTypeSymbol>();
            types.AddRange(compilation.Assembly.GlobalNamespace.GetTypeMembers());
            types.Add(flow.Model.Annotations.GuardedByAttribute!.ContainingAssembly.GetTypeByMetadataName("Iommu.IommuGroup")!);
            types.Add(flow.Model.Annotations.GuardedByAttribute!.ContainingAssembly.GetTypeByMetadataName("Iommu.KMutex")!);
            types.Add(compilation.GetSpecialType(SpecialType.System_String));
            types.Add(compilation.GetTypeByMetadataName("System.Collections.Generic.List`1")!);

            int skipped = 0;
            int members = 0;
            foreach (ISymbol member in types.SelectMany(t => t.GetMembers()))
            {
                members++;
                bool annotated = CarriesAnyAnnotation(member, annotations);
                if (flow.Resolver.Reach.CannotCarry(member, throughBackingField: true))
                {
                    skipped++;
                    Assert.False(annotated, member.ToDisplayString() + " carries an annotation the fast test misses");
                }
            }

            // The test means something only if the fast test answers for most members (framework and plain ones).
            Assert.True(skipped > members / 2, skipped + " of " + members);
        }

        [Theory]
        [InlineData("Plain", "Field", true)]
        [InlineData("Plain", "Method", true)]
        [InlineData("Plain", "get_Auto", true)]
        [InlineData("Plain", "get_Computed", true)]
        [InlineData("Plain", "ToString", false)] // an override: its annotation may come from what it overrides
        [InlineData("Annotated", "Guarded", false)]
        [InlineData("Annotated", "GuardedAuto", false)] // [field: GuardedBy] on the backing field
        [InlineData("Annotated", "get_GuardedAuto", false)]
        [InlineData("Annotated", "get_Neighbour", false)] // a sibling's backing field is attributed: looked up, not assumed
        [InlineData("Annotated", "get_GuardedProperty", false)] // its property is annotated
        [InlineData("Annotated", "get_Getter", false)]
        [InlineData("Annotated", "Getter", false)] // no attribute of its own, but its type has an attributed backing field
        [InlineData("Annotated", "OtherAttribute", false)] // any attribute sends it to the full lookup
        [InlineData("Derived", "get_GuardedProperty", false)] // override: inherits the base property's [GuardedBy]
        [InlineData("Derived", "Locked", false)]
        public void SourceMembers(string type, string member, bool cannotCarry)
        {
            (Compilation compilation, LockFlowContext flow) = Compile();
            ISymbol symbol = compilation.GetTypeByMetadataName(type)!.GetMembers(member).Single();
            Assert.Equal(cannotCarry, flow.Resolver.Reach.CannotCarry(symbol, throughBackingField: true));
        }

        [Fact]
        public void BackingFieldsMatterOnlyToGuardedBy()
        {
            (Compilation compilation, LockFlowContext flow) = Compile();
            ISymbol neighbour = compilation.GetTypeByMetadataName("Annotated")!.GetMembers("get_Neighbour").Single();
            Assert.False(flow.Resolver.Reach.CannotCarry(neighbour, throughBackingField: true));
            Assert.True(flow.Resolver.Reach.CannotCarry(neighbour, throughBackingField: false));
        }

        [Fact]
        public void CompiledAssembliesThatReferenceNoAnnotationCarryNothingAndTheRuntimeIsAsked()
        {
            (Compilation compilation, LockFlowContext flow) = Compile();
            ISymbol listCount = compilation.GetTypeByMetadataName("System.Collections.Generic.List`1")!.GetMembers("get_Count").Single();
            Assert.True(flow.Resolver.Reach.CannotCarry(listCount, throughBackingField: true));

            INamedTypeSymbol group = flow.Model.Annotations.GuardedByAttribute!.ContainingAssembly.GetTypeByMetadataName("Iommu.IommuGroup")!;
            ISymbol ownerCount = group.GetMembers("OwnerCount").Single();
            Assert.False(flow.Resolver.Reach.CannotCarry(ownerCount, throughBackingField: true));
            Assert.False(flow.Resolver.GuardedBy(ownerCount).IsEmpty);
        }

        /// <summary>The slow truth: a lock annotation on the member, up its override chain, on its property, or on an auto-property's backing field.</summary>
        private static bool CarriesAnyAnnotation(ISymbol member, LockAnnotations annotations)
        {
            INamedTypeSymbol?[] attributes =
            {
                annotations.GuardedByAttribute, annotations.RequiresLockAttribute, annotations.AcquiresLockAttribute, annotations.ReleasesLockAttribute,
                annotations.ExcludesLockAttribute, annotations.NoLockAnalysisAttribute, annotations.AcquiredBeforeAttribute, annotations.AcquiredAfterAttribute,
            };

            bool Has(ISymbol symbol) => attributes.Any(a => LockAnnotations.Find(symbol, a) != null);

            var candidates = new List<ISymbol>();
            for (ISymbol? current = member; current != null; current = (current as IMethodSymbol)?.OverriddenMethod ?? (ISymbol?)(current as IPropertySymbol)?.OverriddenProperty)
            {
                candidates.Add(current);
                if (current is IMethodSymbol { AssociatedSymbol: IPropertySymbol property })
                {
                    for (IPropertySymbol? p = property; p != null; p = p.OverriddenProperty)
                    {
                        candidates.Add(p);
                    }
                }
            }

            foreach (ISymbol candidate in candidates.ToList())
            {
                if (candidate is IPropertySymbol property)
                {
                    candidates.AddRange(property.ContainingType.GetMembers().OfType<IFieldSymbol>().Where(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property)));
                }
            }

            return candidates.Any(Has);
        }
    }
}
