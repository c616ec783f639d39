using Contracts.Otlp;

namespace AppHost.Dashboard;

/// <summary>OTLP attribute values as the dashboard shows them: text.</summary>
internal static class OtlpValues
{
    /// <summary>Which service and instance a resource is (<c>service.name</c>, <c>service.instance.id</c>).</summary>
    public static (string Service, string Instance) Identity(Resource? resource)
    {
        var attributes = Attributes(resource?.Attributes);
        return (attributes.GetValueOrDefault("service.name", "unknown"), attributes.GetValueOrDefault("service.instance.id", ""));
    }

    public static Dictionary<string, string> Attributes(IEnumerable<KeyValue>? attributes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (attributes is null) return result;
        foreach (var attribute in attributes) result[attribute.Key] = Text(attribute.Value);
        return result;
    }

    public static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => kv.Key + ": " + Text(kv.Value))) + "}",
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        _ => "",
    };
}
