using System.Net;
using System.Net.Sockets;

namespace AigneHub.Domain.Access;

/// <summary>A CIDR block (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>) or a single address; IPv4-mapped IPv6 addresses match their IPv4 form.</summary>
public sealed class IpRange
{
    private readonly byte[] _network;
    private readonly int _prefix;

    private IpRange(IPAddress network, int prefix)
    {
        _network = network.GetAddressBytes();
        _prefix = prefix;
        Family = network.AddressFamily;
        Text = $"{network}/{prefix}";
    }

    public AddressFamily Family { get; }

    /// <summary>The normalised form, e.g. <c>10.0.0.0/8</c>.</summary>
    public string Text { get; }

    public static bool TryParse(string? value, out IpRange range)
    {
        range = null!;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var text = slash < 0 ? value : value[..slash];

        // IPAddress also takes legacy forms ("10.1" for 10.0.0.1); a rule should say exactly what it means.
        if (!IPAddress.TryParse(text, out var address)
            || (address.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3))
        {
            return false;
        }

        address = Normalise(address);
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(value.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > bits))
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        range = new IpRange(new IPAddress(bytes), prefix);
        return true;
    }

    public static IpRange Parse(string value) =>
        TryParse(value, out var range) ? range : throw new FormatException($"'{value}' is not an IP address or CIDR block.");

    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        address = Normalise(address);
        if (address.AddressFamily != Family)
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(_prefix - (i * 8), 0, 8);
            var mask = (byte)(0xFF << (8 - keep));
            if ((bytes[i] & mask) != _network[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether every address of <paramref name="other"/> is also in this range.</summary>
    public bool Covers(IpRange other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Family == Family && other._prefix >= _prefix && Contains(new IPAddress(other._network));
    }

    public override string ToString() => Text;

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
