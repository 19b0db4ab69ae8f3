using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuAnalyzers.Tests
{
    /// <summary>
    /// Every analyzer and code fix the package ships, found by reflection over the two product assemblies (the way the
    /// compiler and the IDE find them), so rules merged later are covered without touching these tests.
    /// </summary>
    internal static class AnalyzerCatalog
    {
        public static readonly ImmutableArray<Assembly> ProductAssemblies = ImmutableArray.Create(
            typeof(RuleIdentifiers).Assembly,
            typeof(IommuAnalyzers.CodeFixes.SyntaxTriviaHelpers).Assembly);

        private static readonly Lazy<ImmutableArray<DiagnosticAnalyzer>> s_analyzers = new Lazy<ImmutableArray<DiagnosticAnalyzer>>(
            () => Instantiate<DiagnosticAnalyzer>(t => t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp))));

        private static readonly Lazy<ImmutableArray<CodeFixProvider>> s_fixers = new Lazy<ImmutableArray<CodeFixProvider>>(
            () => Instantiate<CodeFixProvider>(t => t.GetCustomAttributes<ExportCodeFixProviderAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp))));

        /// <summary>One instance of every C# analyzer, in a stable order (by type name).</summary>
        public static ImmutableArray<DiagnosticAnalyzer> Analyzers => s_analyzers.Value;

        /// <summary>One instance of every C# code fix provider, in a stable order (by type name).</summary>
        public static ImmutableArray<CodeFixProvider> Fixers => s_fixers.Value;

        /// <summary>Every diagnostic ID some analyzer can report.</summary>
        public static ImmutableHashSet<string> SupportedIds =>
            Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToImmutableHashSet(StringComparer.Ordinal);

        /// <summary>The IDs every fixer says it fixes.</summary>
        public static ImmutableHashSet<string> FixableIds =>
            Fixers.SelectMany(f => f.FixableDiagnosticIds).ToImmutableHashSet(StringComparer.Ordinal);

        public static string Describe() =>
            "analyzers: " + string.Join(", ", Analyzers.Select(a => a.GetType().Name + " [" + string.Join(",", a.SupportedDiagnostics.Select(d => d.Id)) + "]")) +
            "; fixers: " + string.Join(", ", Fixers.Select(f => f.GetType().Name + " [" + string.Join(",", f.FixableDiagnosticIds) + "]"));

        private static ImmutableArray<T> Instantiate<T>(Func<Type, bool> exported)
            where T : class
        {
            var found = new List<T>();
            foreach (Assembly assembly in ProductAssemblies)
            {
                foreach (Type type in LoadableTypes(assembly))
                {
                    if (type.IsAbstract || !typeof(T).IsAssignableFrom(type) || !exported(type))
                    {
                        continue;
                    }

                    // Hosts create them through a public parameterless constructor; one without it is itself a bug.
                    ConstructorInfo constructor = type.GetConstructor(Type.EmptyTypes)
                        ?? throw new InvalidOperationException(type.FullName + " is exported but has no public parameterless constructor.");
                    found.Add((T)constructor.Invoke(null));
                }
            }

            return found.OrderBy(x => x.GetType().FullName, StringComparer.Ordinal).ToImmutableArray();
        }

        private static IEnumerable<Type> LoadableTypes(Assembly assembly)
        {
            try
            {
                return assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                return e.Types.Where(t => t != null).Select(t => t!);
            }
        }
    }
}
