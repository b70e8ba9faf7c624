using AigneHub.Domain.Secrets;
using AigneHub.Infrastructure.Security;

namespace AigneHub.UnitTests.Security;

public sealed class AesGcmSecretProtectorTests
{
    private const string Plaintext = "sk-proj-0123456789abcdefghijklmnopqrstuvwxyz";
    private const string Purpose = "provider-credential:6f1c2a9e-0b7d-4c3e-9a51-2d8e7f6a4b10";

    private readonly AesGcmSecretProtector _protector = new(TestSecretKeys.Ring("key-1", "key-1"));

    [Fact]
    public void Protected_secret_round_trips_under_the_same_purpose()
    {
        var secret = _protector.Protect(Plaintext, Purpose);

        Assert.Equal("key-1", secret.KeyId);
        Assert.Equal(Plaintext, _protector.Unprotect(secret, Purpose));
    }

    [Theory]
    [InlineData("")]
    [InlineData("é ü 中文 😀")]
    public void Empty_and_non_ascii_secrets_round_trip(string plaintext)
    {
        Assert.Equal(plaintext, _protector.Unprotect(_protector.Protect(plaintext, Purpose), Purpose));
    }

    [Fact]
    public void Stored_form_holds_no_plaintext()
    {
        var secret = _protector.Protect(Plaintext, Purpose);

        Assert.Equal(Plaintext.Length, Convert.FromBase64String(secret.Ciphertext).Length);
        Assert.DoesNotContain(Plaintext, secret.Ciphertext + secret.Nonce + secret.Tag, StringComparison.Ordinal);
        Assert.DoesNotContain(Plaintext, secret.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_copied_to_another_purpose_fails_to_decrypt()
    {
        var secret = _protector.Protect(Plaintext, Purpose);

        var error = Assert.Throws<SecretUnavailableException>(() => _protector.Unprotect(secret, "provider-credential:another"));

        Assert.Contains("'key-1'", error.Message, StringComparison.Ordinal);
        AssertRevealsNothing(error, secret);
    }

    [Fact]
    public void Tampered_ciphertext_fails_to_decrypt()
    {
        var secret = _protector.Protect(Plaintext, Purpose);

        AssertTamperingIsDetected(secret with { Ciphertext = FlipFirstBit(secret.Ciphertext) }, secret);
    }

    [Fact]
    public void Tampered_tag_fails_to_decrypt()
    {
        var secret = _protector.Protect(Plaintext, Purpose);

        AssertTamperingIsDetected(secret with { Tag = FlipFirstBit(secret.Tag) }, secret);
    }

    [Fact]
    public void Tampered_nonce_fails_to_decrypt()
    {
        var secret = _protector.Protect(Plaintext, Purpose);

        AssertTamperingIsDetected(secret with { Nonce = FlipFirstBit(secret.Nonce) }, secret);
    }

    [Fact]
    public void Nonce_of_the_wrong_size_is_reported_as_malformed()
    {
        var secret = _protector.Protect(Plaintext, Purpose) with { Nonce = Convert.ToBase64String(new byte[8]) };

        var error = Assert.Throws<SecretUnavailableException>(() => _protector.Unprotect(secret, Purpose));

        Assert.Contains("malformed", error.Message, StringComparison.Ordinal);
        AssertRevealsNothing(error, secret);
    }

    [Fact]
    public void Secret_under_a_key_id_not_in_the_ring_fails_naming_the_id()
    {
        var other = new AesGcmSecretProtector(TestSecretKeys.Ring("retired-2024", "retired-2024"));
        var secret = other.Protect(Plaintext, Purpose);

        var error = Assert.Throws<SecretUnavailableException>(() => _protector.Unprotect(secret, Purpose));

        Assert.Equal("retired-2024", error.KeyId);
        Assert.Contains("'retired-2024'", error.Message, StringComparison.Ordinal);
        Assert.Contains("not in the key ring", error.Message, StringComparison.Ordinal);
        AssertRevealsNothing(error, secret);
    }

    [Fact]
    public void Two_encryptions_of_the_same_plaintext_differ()
    {
        var first = _protector.Protect(Plaintext, Purpose);
        var second = _protector.Protect(Plaintext, Purpose);

        Assert.NotEqual(first.Nonce, second.Nonce);
        Assert.NotEqual(first.Ciphertext, second.Ciphertext);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Secret_from_the_old_key_still_decrypts_after_the_active_key_changed_and_needs_rotation()
    {
        var before = new AesGcmSecretProtector(TestSecretKeys.Ring("key-1", "key-1"));
        var old = before.Protect(Plaintext, Purpose);

        var after = new AesGcmSecretProtector(TestSecretKeys.Ring("key-2", "key-1", "key-2"));

        Assert.Equal("key-2", after.ActiveKeyId);
        Assert.Equal(Plaintext, after.Unprotect(old, Purpose));
        Assert.True(after.NeedsRotation(old));

        var rotated = after.Protect(after.Unprotect(old, Purpose), Purpose);
        Assert.Equal("key-2", rotated.KeyId);
        Assert.False(after.NeedsRotation(rotated));
        Assert.Equal(Plaintext, after.Unprotect(rotated, Purpose));
    }

    [Fact]
    public void Secret_under_the_active_key_does_not_need_rotation()
    {
        Assert.False(_protector.NeedsRotation(_protector.Protect(Plaintext, Purpose)));
    }

    [Fact]
    public void Same_key_id_holding_a_different_key_fails_authentication()
    {
        var secret = _protector.Protect(Plaintext, Purpose);
        var options = new SecretKeyRingOptions { ActiveKeyId = "key-1", Keys = { ["key-1"] = TestSecretKeys.Key(200) } };
        var impostor = new AesGcmSecretProtector(SecretKeyRing.Load(options, embeddedDataPath: null));

        var error = Assert.Throws<SecretUnavailableException>(() => impostor.Unprotect(secret, Purpose));

        AssertRevealsNothing(error, secret);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Blank_purpose_is_refused(string purpose)
    {
        Assert.Throws<ArgumentException>(() => _protector.Protect(Plaintext, purpose));
        Assert.Throws<ArgumentException>(() => _protector.Unprotect(_protector.Protect(Plaintext, Purpose), purpose));
    }

    [Fact]
    public void Text_with_an_unpaired_surrogate_is_refused_without_quoting_it()
    {
        var broken = "sk-secret-value-\ud800-tail";

        var error = Assert.Throws<ArgumentException>(() => _protector.Protect(broken, Purpose));

        Assert.DoesNotContain("sk-secret", error.ToString(), StringComparison.Ordinal);
    }

    private void AssertTamperingIsDetected(EncryptedSecret tampered, EncryptedSecret original)
    {
        var error = Assert.Throws<SecretUnavailableException>(() => _protector.Unprotect(tampered, Purpose));

        Assert.Equal("key-1", error.KeyId);
        Assert.Contains("failed authentication", error.Message, StringComparison.Ordinal);
        AssertRevealsNothing(error, original);
    }

    // ToString covers the message, the inner exception and the stack: none may carry the plaintext or key material.
    private static void AssertRevealsNothing(Exception error, EncryptedSecret secret)
    {
        var text = error.ToString();
        Assert.DoesNotContain(Plaintext, text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret.Ciphertext, text, StringComparison.Ordinal);
        foreach (var keyId in new[] { "key-1", "key-2", "retired-2024" })
        {
            Assert.DoesNotContain(TestSecretKeys.Options(keyId, keyId).Keys[keyId], text, StringComparison.Ordinal);
        }
    }

    private static string FlipFirstBit(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        bytes[0] ^= 0x01;
        return Convert.ToBase64String(bytes);
    }
}
