using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IommuAnalyzers.Tests.Reliability
{
    /// <summary>A mutated file: its text and the edits that made it (to reproduce and to read in a failure).</summary>
    internal sealed class Mutant
    {
        public Mutant(int index, string baseName, string text, IReadOnlyList<string> edits)
        {
            Index = index;
            BaseName = baseName;
            Text = text;
            Edits = edits;
        }

        public int Index { get; }

        public string BaseName { get; }

        public string Text { get; }

        public IReadOnlyList<string> Edits { get; }

        public override string ToString() => "mutant #" + Index + " of " + BaseName + " [" + string.Join("; ", Edits) + "]";
    }

    /// <summary>
    /// Breaks source text the way an editor buffer is broken while someone types: a token, a line or a brace deleted,
    /// a statement duplicated, the file cut off, half a member access typed. Seeded: mutant <c>i</c> of a run depends
    /// only on the seed, <c>i</c> and the base text, so a failure is replayed with the same seed.
    /// </summary>
    internal static class SourceMutator
    {
        // What a half-typed edit leaves behind.
        private static readonly string[] s_fragments =
        {
            "group.", "dev.Group.", "IommuCore.", "_lock.", ".Mutex.", "Lock(", "Unlock()", "using (", "lock (", "if (",
            "} else {", "=>", "[GuardedBy(", "[RequiresLock(\"", "[SuppressAutoClaimDmaOwner", "return", "goto ", "case ",
            "new ", "?.", "!", "(", ")", "{", "}", ";", ",", "\"", "'", "/*", "//", "#if X", "#region", "@", "$\"{",
        };

        public static Mutant Create(int seed, int index, string baseName, string text)
        {
            var random = new Random(unchecked(seed * 7919 + index));
            int count = random.Next(10) < 7 ? 1 : random.Next(2, 4);
            var edits = new List<string>(count);
            for (int i = 0; i < count && text.Length > 0; i++)
            {
                (text, string edit) = MutateOnce(random, text);
                edits.Add(edit);
            }

            return new Mutant(index, baseName, text, edits);
        }

        private static (string Text, string Edit) MutateOnce(Random random, string text)
        {
            switch (random.Next(7))
            {
                case 0:
                    return DeleteToken(random, text);
                case 1:
                    return DeleteLine(random, text);
                case 2:
                    return DeleteBrace(random, text);
                case 3:
                    return DuplicateStatement(random, text);
                case 4:
                    return Truncate(random, text);
                case 5:
                    return InsertFragment(random, text);
                default:
                    return DeleteRange(random, text);
            }
        }

        private static List<SyntaxToken> Tokens(string text) =>
            CSharpSyntaxTree.ParseText(text, AnalysisRunner.ParseOptions).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToList();

        private static (string, string) DeleteToken(Random random, string text)
        {
            List<SyntaxToken> tokens = Tokens(text);
            if (tokens.Count == 0)
            {
                return Truncate(random, text);
            }

            SyntaxToken token = tokens[random.Next(tokens.Count)];
            return (text.Remove(token.SpanStart, token.Span.Length), "delete token '" + token.Text + "' at " + token.SpanStart);
        }

        private static (string, string) DeleteLine(Random random, string text)
        {
            var lines = new List<string>(text.Split('\n'));
            int line = random.Next(lines.Count);
            lines.RemoveAt(line);
            return (string.Join("\n", lines), "delete line " + (line + 1));
        }

        private static (string, string) DeleteBrace(Random random, string text)
        {
            List<SyntaxToken> braces = Tokens(text).Where(t => t.IsKind(SyntaxKind.OpenBraceToken) || t.IsKind(SyntaxKind.CloseBraceToken)).ToList();
            if (braces.Count == 0)
            {
                return DeleteToken(random, text);
            }

            SyntaxToken brace = braces[random.Next(braces.Count)];
            return (text.Remove(brace.SpanStart, 1), "delete '" + brace.Text + "' at " + brace.SpanStart);
        }

        private static (string, string) DuplicateStatement(Random random, string text)
        {
            List<StatementSyntax> statements = CSharpSyntaxTree.ParseText(text, AnalysisRunner.ParseOptions).GetRoot()
                .DescendantNodes().OfType<StatementSyntax>().Where(s => s is not BlockSyntax).ToList();
            if (statements.Count == 0)
            {
                return DeleteLine(random, text);
            }

            StatementSyntax statement = statements[random.Next(statements.Count)];
            string copy = statement.ToFullString();
            return (text.Insert(statement.FullSpan.End, copy), "duplicate statement at " + statement.SpanStart);
        }

        private static (string, string) Truncate(Random random, string text)
        {
            int at = random.Next(text.Length + 1);
            return (text.Substring(0, at), "truncate at " + at);
        }

        private static (string, string) InsertFragment(Random random, string text)
        {
            List<SyntaxToken> tokens = Tokens(text);
            int at = tokens.Count == 0 ? 0 : (random.Next(2) == 0 ? tokens[random.Next(tokens.Count)].SpanStart : tokens[random.Next(tokens.Count)].Span.End);
            string fragment = s_fragments[random.Next(s_fragments.Length)];
            return (text.Insert(at, fragment), "insert '" + fragment + "' at " + at);
        }

        private static (string, string) DeleteRange(Random random, string text)
        {
            // A selection deleted (or cut) from the middle: up to a few lines' worth.
            int start = random.Next(text.Length);
            int length = Math.Min(text.Length - start, 1 + random.Next(200));
            return (text.Remove(start, length), "delete " + length + " chars at " + start);
        }

        /// <summary>A short excerpt of a text around its end (where truncations and deletions show) for failure messages.</summary>
        public static string Excerpt(string text, int max = 4000)
        {
            if (text.Length <= max)
            {
                return text;
            }

            var builder = new StringBuilder();
            builder.Append(text, 0, max / 2).Append("\n...\n").Append(text, text.Length - (max / 2), max / 2);
            return builder.ToString();
        }
    }
}
