namespace AigneHub.Application.Usage;

/// <summary>The page token of the call history: the last record's id (records are time-ordered UUIDv7s).</summary>
public static class CallPageToken
{
    public static string Format(Guid lastId) => lastId.ToString("N");

    public static bool TryParse(string? token, out Guid? after)
    {
        after = null;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        if (token.Length == 32 && Guid.TryParseExact(token, "N", out var id))
        {
            after = id;
            return true;
        }

        return false;
    }
}
