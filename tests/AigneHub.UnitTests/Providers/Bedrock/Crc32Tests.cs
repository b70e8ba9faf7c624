using System.IO.Hashing;
using System.Text;

namespace AigneHub.UnitTests.Providers.Bedrock;

/// <summary>
/// The checksum the event-stream framing (and the demo's PNG chunks) rely on is IEEE 802.3 CRC-32, now
/// <see cref="Crc32"/> of System.IO.Hashing rather than a table of the hub's own: these are the check values it must keep.
/// </summary>
public sealed class Crc32Tests
{
    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xE8B7BE43u)]
    [InlineData("123456789", 0xCBF43926u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x414FA339u)]
    public void Checksum_matches_the_ieee_802_3_check_values(string text, uint expected)
    {
        Assert.Equal(expected, Crc32.HashToUInt32(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Checksum_computed_in_pieces_equals_the_checksum_of_the_whole()
    {
        var bytes = Encoding.ASCII.GetBytes("123456789");
        var crc = new Crc32();

        crc.Append(bytes.AsSpan(0, 4));
        crc.Append(bytes.AsSpan(4));

        Assert.Equal(0xCBF43926u, crc.GetCurrentHashAsUInt32());
    }
}
