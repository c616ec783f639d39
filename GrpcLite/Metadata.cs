using System.Collections;
using System.Text;

namespace GrpcLite;

/// <summary>
/// Custom request/response headers and trailers of a call. Keys are lower-case ASCII; keys
/// ending in <c>-bin</c> carry binary values (base64 on the wire), all others ASCII strings.
/// </summary>
public sealed class Metadata : IEnumerable<Metadata.Entry>
{
    public const string BinarySuffix = "-bin";

    private readonly List<Entry> _entries = [];

    public int Count => _entries.Count;

    public Entry this[int index] => _entries[index];

    public Metadata Add(string key, string value)
    {
        _entries.Add(new Entry(key, value));
        return this;
    }

    public Metadata Add(string key, byte[] valueBytes)
    {
        _entries.Add(new Entry(key, valueBytes));
        return this;
    }

    public void Add(Entry entry) => _entries.Add(entry);

    /// <summary>The last string value of <paramref name="key"/>, or null.</summary>
    public string? GetValue(string key)
    {
        var entry = Get(key);
        return entry is null ? null : entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value;
    }

    /// <summary>The last binary value of <paramref name="key"/> (a <c>-bin</c> key), or null.</summary>
    public byte[]? GetValueBytes(string key)
    {
        var entry = Get(key);
        return entry is null ? null : entry.IsBinary ? entry.ValueBytes : Encoding.ASCII.GetBytes(entry.Value);
    }

    public Entry? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i];
            }
        }
        return null;
    }

    public IEnumerable<Entry> GetAll(string key) =>
        _entries.Where(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase));

    public bool Remove(Entry entry) => _entries.Remove(entry);

    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal static bool IsBinaryKey(string key) => key.EndsWith(BinarySuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>One key/value pair.</summary>
    public sealed class Entry
    {
        private readonly string? _value;
        private readonly byte[]? _valueBytes;

        public Entry(string key, string value)
        {
            Key = NormalizeKey(key);
            if (IsBinaryKey(Key))
            {
                throw new ArgumentException($"Key '{key}' ends with '{BinarySuffix}' and takes a byte[] value.", nameof(key));
            }
            foreach (var c in value)
            {
                // HTTP/2 header values must be printable ASCII; anything else would be rejected by peers.
                if (c < 0x20 || c > 0x7E)
                {
                    throw new ArgumentException("Metadata string values must be printable ASCII; use a -bin key for other data.", nameof(value));
                }
            }
            _value = value;
        }

        public Entry(string key, byte[] valueBytes)
        {
            Key = NormalizeKey(key);
            if (!IsBinaryKey(Key))
            {
                throw new ArgumentException($"Binary values need a key ending with '{BinarySuffix}'.", nameof(key));
            }
            _valueBytes = valueBytes;
        }

        public string Key { get; }

        public bool IsBinary => _valueBytes is not null;

        public string Value => _value ?? throw new InvalidOperationException($"Entry '{Key}' is binary; read ValueBytes.");

        public byte[] ValueBytes => _valueBytes ?? throw new InvalidOperationException($"Entry '{Key}' is not binary; read Value.");

        public override string ToString() => IsBinary ? $"{Key}: <{_valueBytes!.Length} bytes>" : $"{Key}: {_value}";

        private static string NormalizeKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            foreach (var c in key)
            {
                var valid = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '_' or '.';
                if (!valid)
                {
                    throw new ArgumentException($"Metadata key '{key}' contains an invalid character.", nameof(key));
                }
            }
            return key.ToLowerInvariant();
        }
    }
}
