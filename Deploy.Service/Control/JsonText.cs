using System.Text.Json;

namespace Deploy.Service.Control;

/// <summary>JSON text columns: read and written whole, camelCase like the API.</summary>
internal static class JsonText
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static T Read<T>(string? json) where T : new() =>
        string.IsNullOrEmpty(json) ? new T() : JsonSerializer.Deserialize<T>(json, Options) ?? new T();

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
}
