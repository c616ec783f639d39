using System.Globalization;

namespace GrpcLite.Protocol;

/// <summary>
/// The <c>grpc-timeout</c> header: at most 8 ASCII digits followed by a unit
/// (H hours, M minutes, S seconds, m milliseconds, u microseconds, n nanoseconds).
/// </summary>
internal static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    public static bool TryParse(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(value) || value.Length < 2 || value.Length > 9)
        {
            return false;
        }
        var digits = value.AsSpan(0, value.Length - 1);
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        var amount = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        long? ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * (TimeSpan.TicksPerMillisecond / 1000),
            // Round nanoseconds up so a tiny timeout never becomes "no time at all" before it is due.
            'n' => (amount + 99) / 100,
            _ => null,
        };
        if (ticks is null)
        {
            return false;
        }
        timeout = TimeSpan.FromTicks(ticks.Value);
        return true;
    }

    /// <summary>The most precise unit whose value fits in 8 digits.</summary>
    public static string Format(TimeSpan timeout)
    {
        var ticks = Math.Max(0, timeout.Ticks);
        var micros = ticks / (TimeSpan.TicksPerMillisecond / 1000);
        if (micros <= MaxValue)
        {
            return Math.Max(1, micros).ToString(CultureInfo.InvariantCulture) + "u";
        }
        var millis = ticks / TimeSpan.TicksPerMillisecond;
        if (millis <= MaxValue)
        {
            return millis.ToString(CultureInfo.InvariantCulture) + "m";
        }
        var seconds = ticks / TimeSpan.TicksPerSecond;
        if (seconds <= MaxValue)
        {
            return seconds.ToString(CultureInfo.InvariantCulture) + "S";
        }
        var minutes = ticks / TimeSpan.TicksPerMinute;
        if (minutes <= MaxValue)
        {
            return minutes.ToString(CultureInfo.InvariantCulture) + "M";
        }
        return Math.Min(MaxValue, ticks / TimeSpan.TicksPerHour).ToString(CultureInfo.InvariantCulture) + "H";
    }
}
