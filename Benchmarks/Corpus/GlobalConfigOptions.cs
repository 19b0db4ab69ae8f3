using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IommuAnalyzers.Benchmarks.Corpus
{
    /// <summary>One global analyzer config setting, as a .globalconfig file gives it to a build.</summary>
    internal sealed class GlobalConfigOptions : AnalyzerConfigOptionsProvider
    {
        private readonly Options _global;

        public GlobalConfigOptions(string key, string value)
        {
            _global = new Options(key, value);
        }

        public override AnalyzerConfigOptions GlobalOptions => _global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.None;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.None;

        private sealed class Options : AnalyzerConfigOptions
        {
            public static readonly Options None = new Options(null, null);

            private readonly string? _key;
            private readonly string? _value;

            public Options(string? key, string? value)
            {
                _key = key;
                _value = value;
            }

            public override bool TryGetValue(string key, out string value)
            {
                value = _value ?? string.Empty;
                return _key != null && key == _key;
            }
        }
    }
}
