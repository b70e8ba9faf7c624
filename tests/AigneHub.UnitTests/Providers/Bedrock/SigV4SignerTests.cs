using System.Net.Http.Headers;
using System.Text;
using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.UnitTests.Providers.OpenAI;

namespace AigneHub.UnitTests.Providers.Bedrock;

/// <summary>
/// AWS's published Signature V4 test suite (aws-sig-v4-test-suite): credentials AKIDEXAMPLE /
/// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, region us-east-1, service "service", time 20150830T123600Z. Each case
/// checks the canonical request, the string to sign and the Authorization header exactly as published.
/// </summary>
public sealed class SigV4SignerTests
{
    private const string AccessKeyId = "AKIDEXAMPLE";
    private const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private const string Scope = "20150830/us-east-1/service/aws4_request";

    private static readonly SigV4Signer Signer = new(new ManualClock(new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero)));

    [Fact]
    public void Get_vanilla_matches_the_published_vector()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        var signature = SignLikeTheSuite(request, []);

        Assert.Equal($"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n{EmptyHash}", signature.CanonicalRequest);
        Assert.Equal($"AWS4-HMAC-SHA256\n20150830T123600Z\n{Scope}\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63", signature.StringToSign);
        Assert.Equal(
            $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{Scope}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            signature.Authorization);
        Assert.Equal(signature.Authorization, request.Headers.GetValues("Authorization").Single());
        Assert.Equal("20150830T123600Z", request.Headers.GetValues("x-amz-date").Single());
    }

    [Fact]
    public void Post_vanilla_matches_the_published_vector()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.amazonaws.com/");

        var signature = SignLikeTheSuite(request, []);

        Assert.Equal($"POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n{EmptyHash}", signature.CanonicalRequest);
        Assert.Equal($"AWS4-HMAC-SHA256\n20150830T123600Z\n{Scope}\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87", signature.StringToSign);
        Assert.Equal(
            $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{Scope}, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            signature.Authorization);
    }

    [Fact]
    public void Get_vanilla_query_order_key_case_sorts_the_query_and_matches_the_published_vector()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/?Param2=value2&Param1=value1");

        var signature = SignLikeTheSuite(request, []);

        Assert.Equal(
            $"GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n{EmptyHash}",
            signature.CanonicalRequest);
        Assert.Equal(
            $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{Scope}, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            signature.Authorization);
    }

    [Fact]
    public void Post_x_www_form_urlencoded_signs_the_content_type_and_body_and_matches_the_published_vector()
    {
        var body = Encoding.UTF8.GetBytes("Param1=value1");
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.amazonaws.com/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");

        var signature = SignLikeTheSuite(request, body);

        Assert.Equal(
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            + "content-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            signature.CanonicalRequest);
        Assert.Equal($"AWS4-HMAC-SHA256\n20150830T123600Z\n{Scope}\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281", signature.StringToSign);
        Assert.Equal(
            $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{Scope}, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            signature.Authorization);
    }

    [Fact]
    public void Get_utf8_encodes_the_path_bytes_and_matches_the_published_vector()
    {
        Assert.Equal("/%E1%88%B4", SigV4Signer.CanonicalUri("/\u1234"));

        var signature = SigV4Signer.Compute(
            "GET",
            SigV4Signer.CanonicalUri("/\u1234"),
            string.Empty,
            [new("Host", "example.amazonaws.com"), new("X-Amz-Date", "20150830T123600Z")],
            EmptyHash,
            AccessKeyId,
            SecretAccessKey,
            new SigV4Signer.Scope(new DateTime(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc), "us-east-1", "service"));

        Assert.Equal("8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85", signature.Signature);
    }

    [Fact]
    public void A_bedrock_model_id_is_encoded_once_on_the_wire_and_twice_in_the_canonical_request()
    {
        using var request = new HttpRequestMessage(
            HttpMethod.Post,
            "https://bedrock-runtime.us-east-1.amazonaws.com/model/" + Uri.EscapeDataString("anthropic.claude-3-haiku-20240307-v1:0") + "/converse")
        {
            Content = new ByteArrayContent("{}"u8.ToArray()),
        };

        var signature = Signer.Sign(request, "{}"u8, AccessKeyId, SecretAccessKey, "us-east-1", "bedrock");

        Assert.Equal("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", request.RequestUri!.AbsolutePath);
        Assert.Contains("\n/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse\n", signature.CanonicalRequest, StringComparison.Ordinal);
    }

    [Fact]
    public void Signing_sends_and_signs_the_payload_hash_by_default()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://bedrock-runtime.eu-west-1.amazonaws.com/model/m/converse");

        var signature = Signer.Sign(request, "{}"u8, AccessKeyId, SecretAccessKey, "eu-west-1", "bedrock");

        var hash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
        Assert.Equal(hash, request.Headers.GetValues("x-amz-content-sha256").Single());
        Assert.EndsWith("\nhost;x-amz-content-sha256;x-amz-date\n" + hash, signature.CanonicalRequest, StringComparison.Ordinal);
        Assert.Contains("Credential=AKIDEXAMPLE/20150830/eu-west-1/bedrock/aws4_request", signature.Authorization, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretAccessKey, signature.Authorization + signature.CanonicalRequest + signature.StringToSign, StringComparison.Ordinal);
    }

    private static SigV4Signature SignLikeTheSuite(HttpRequestMessage request, byte[] payload) =>
        Signer.Sign(request, payload, AccessKeyId, SecretAccessKey, "us-east-1", "service", addContentHashHeader: false);
}
