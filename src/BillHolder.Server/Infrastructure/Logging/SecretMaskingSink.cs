using System.Text.RegularExpressions;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace BillHolder.Server.Infrastructure.Logging;

// Levels alone cannot keep tokens out of the log (framework lines echo full URLs at Information and below),
// so every event is rewritten before a sink sees it: its template text, each string property at any depth,
// and the exception text. What is masked: `access_token=…`, `Bearer …` and anything shaped like a JWT.
internal sealed partial class SecretMaskingSink(ILogEventSink inner) : ILogEventSink
{
    private const string Mask = "***";

    private static readonly MessageTemplateParser Parser = new();

    public void Emit(LogEvent logEvent) => inner.Emit(MaskEvent(logEvent));

    public static string MaskText(string text) =>
        Secret().Replace(text, match => match.Groups["keep"].Value + Mask);

    private static LogEvent MaskEvent(LogEvent e)
    {
        var changed = false;
        var template = e.MessageTemplate;
        if (Masked(template.Text, out var text))
        {
            template = Parser.Parse(text);
            changed = true;
        }
        var properties = new List<LogEventProperty>(e.Properties.Count);
        foreach (var (name, value) in e.Properties)
        {
            var masked = MaskValue(value);
            changed |= !ReferenceEquals(masked, value);
            properties.Add(new LogEventProperty(name, masked));
        }
        var exception = e.Exception;
        if (exception is not null && Masked(exception.ToString(), out var exceptionText))
        {
            exception = new MaskedException(exceptionText);
            changed = true;
        }
        return changed ? new LogEvent(e.Timestamp, e.Level, exception, template, properties, e.TraceId ?? default, e.SpanId ?? default) : e;
    }

    // Returns the same instance when nothing in it needed masking.
    private static LogEventPropertyValue MaskValue(LogEventPropertyValue value)
    {
        switch (value)
        {
            case ScalarValue { Value: string s } when Masked(s, out var masked):
                return new ScalarValue(masked);
            case SequenceValue sequence:
                var elements = sequence.Elements.Select(MaskValue).ToList();
                return elements.SequenceEqual(sequence.Elements) ? value : new SequenceValue(elements);
            case StructureValue structure:
                var fields = structure.Properties.Select(p => new LogEventProperty(p.Name, MaskValue(p.Value))).ToList();
                return fields.Select(f => f.Value).SequenceEqual(structure.Properties.Select(p => p.Value))
                    ? value : new StructureValue(fields, structure.TypeTag);
            case DictionaryValue dictionary:
                var entries = dictionary.Elements.Select(kv => new KeyValuePair<ScalarValue, LogEventPropertyValue>(kv.Key, MaskValue(kv.Value))).ToList();
                return entries.Select(kv => kv.Value).SequenceEqual(dictionary.Elements.Select(kv => kv.Value)) ? value : new DictionaryValue(entries);
            default:
                return value;
        }
    }

    private static bool Masked(string text, out string masked)
    {
        masked = Secret().IsMatch(text) ? MaskText(text) : text;
        return !ReferenceEquals(masked, text);
    }

    [GeneratedRegex(@"(?<keep>access_token=)[^&\s""'#]+|(?<keep>Bearer\s+)[^\s""',;]+|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Secret();

    // Keeps the (masked) text of an exception whose own text named a secret; sinks print ToString().
    private sealed class MaskedException(string text) : Exception
    {
        public override string Message => text;

        public override string ToString() => text;

        public override string? StackTrace => null;
    }
}
