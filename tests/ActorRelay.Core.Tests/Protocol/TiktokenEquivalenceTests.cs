using System.Text;
using ActorRelay.Core.Protocol;
using Microsoft.ML.Tokenizers;

namespace ActorRelay.Core.Tests.Protocol;

/// <summary>
/// The gateway's compact tiktoken counts against Microsoft.ML.Tokenizers' tokenizer of the same encoding, the reference:
/// prose, code, numbers, scripts with combining marks, emoji, whitespace runs, special tokens, long pieces (merged through
/// the queue) and seeded random text.
/// </summary>
public sealed class TiktokenEquivalenceTests
{
    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private static readonly Lazy<Tokenizer> Cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    public static TheoryData<string> Samples() =>
    [
        "Hello, world!",
        "I'm sure they'll say DON'T, and we've heard it's what I'd do; she'S LL'VE",
        "public static int Main(string[] args)\r\n{\r\n\tConsole.WriteLine(\"hi\");   // trailing   \r\n\treturn 0;\r\n}\n",
        "def f(x):\n    return [i ** 2 for i in range(x)]  \n\n\n",
        """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}],"temperature":0.7,"max_tokens":1024}""",
        "1234567 3.14159 -42 1e10 0x1F 2026-12-06T08:46:20Z 99999999999999",
        "日本語のテキストです。中文文本，한국어 텍스트. Ελληνικά Русский ТЕКСТ Привет",
        "नमस्ते दुनिया, हिन्दी में पाठ। مرحبا بالعالم، هذا نص عربي. שלום עולם",
        "Café naïve résumé Ångström façade coöperate e\u0301 a\u0308\u0301",
        "emoji 😀👍🏽 👨‍👩‍👧‍👦 🇫🇷 ✨✨✨ ❤️‍🔥",
        "   leading spaces\n\n\n   \t\t  mixed   \r\n\r\n  trailing    ",
        "before <|endoftext|> after <|endofprompt|><|fim_prefix|>x<|fim_middle|>y<|fim_suffix|>",
        "https://example.com/path/to/resource?query=value&other=1#fragment /usr/local/bin//x",
        "!!!???... --- *** ### @@@ $$$ %%% ^^^ &&& (((( )))) [[[ ]]] {{{ }}} ~~~ ``` ''' \"\"\"",
        new string('a', 5000),
        string.Concat(Enumerable.Repeat("ab", 3000)),
        new string('7', 1000) + new string('!', 1000) + new string(' ', 1000) + "end",
        string.Concat(Enumerable.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 50)),
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk=" + new string('x', 300),
        "lone surrogates \ud800 x \udc00 y\ud83d",
        "",
        " ",
        "\n",
    ];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Count_EqualsTheReferenceTokenizer(string text)
    {
        AssertEqualCounts(text);
        Assert.Equal(O200k.Value.CountTokens(text), TokenEstimator.Default.Count(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void Count_SeededRandomText_EqualsTheReferenceTokenizer()
    {
        // Letters of several cases and scripts, combining marks, digits, punctuation, whitespace kinds, a surrogate pair.
        string[] alphabet =
        [
            "a", "b", "e", "s", "t", "A", "B", "Z", "é", "ß", "Ω", "ж", "Ж", "日", "本", "ا", "क", "\u0301", "\u093f",
            "0", "1", "9", "'", "'s", "'LL", ".", ",", "!", "/", "-", "_", "{", "\"", " ", " ", " ", "\t", "\n", "\r\n",
            "\u00a0", "😀", "<|endoftext|>",
        ];
        var random = new Random(20261206);
        for (var sample = 0; sample < 400; sample++)
        {
            var builder = new StringBuilder();
            for (var i = random.Next(1, 300); i > 0; i--)
            {
                builder.Append(alphabet[random.Next(alphabet.Length)]);
            }

            var text = builder.ToString();
            AssertEqualCounts(text);
        }
    }

    [Fact]
    public void Count_LongRandomWords_EqualsTheReferenceTokenizer()
    {
        // One piece of hundreds of letters (or of punctuation) merges through the queue; repeated letter pairs rank equal.
        const string letters = "aaabbeeilnorsttuxyzéß";
        const string marks = "!!..--*#/\\";
        var random = new Random(12062026);
        for (var sample = 0; sample < 60; sample++)
        {
            var alphabet = sample % 3 == 2 ? marks : letters;
            var text = string.Create(random.Next(129, 700), alphabet, (span, chars) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = chars[random.Next(chars.Length)];
                }
            });
            AssertEqualCounts(text);
        }
    }

    private static void AssertEqualCounts(string text)
    {
        Assert.True(O200k.Value.CountTokens(text) == TokenEstimator.Default.Count(text), $"o200k_base differs on: {text}");
        Assert.True(Cl100k.Value.CountTokens(text) == TokenEstimator.ForModel("gpt-3.5-turbo").Count(text), $"cl100k_base differs on: {text}");
    }
}
