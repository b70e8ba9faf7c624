using AigneHub.Api.Grpc;

namespace AigneHub.UnitTests.Api;

public sealed class GrpcMessageEncodingTests
{
    [Theory]
    [InlineData("Send it as 'Authorization: Bearer ahk_x'.", "Send it as 'Authorization: Bearer ahk_x'.")]
    [InlineData("100% sure", "100%25 sure")]
    [InlineData("ahk_…", "ahk_%E2%80%A6")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("Grüße 你好", "Gr%C3%BC%C3%9Fe %E4%BD%A0%E5%A5%BD")]
    public void Only_bytes_outside_printable_ascii_and_the_percent_sign_are_encoded(string message, string header)
    {
        Assert.Equal(header, GrpcMessageEncoding.Encode(message));
    }

    [Fact]
    public void The_encoding_decodes_back_to_the_message()
    {
        const string Message = "50% off: ünïcödé… & more";

        Assert.Equal(Message, Uri.UnescapeDataString(GrpcMessageEncoding.Encode(Message)));
    }
}
