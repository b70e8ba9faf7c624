namespace AigneHub.Domain.Providers;

public enum CredentialKind
{
    /// <summary>One secret sent as a header (every provider but bedrock).</summary>
    ApiKey,

    /// <summary>An AWS access key id and secret access key, signed with SigV4 (bedrock).</summary>
    AccessKeyPair,
}
