using System.Data.Common;

namespace AigneHub.Application.Errors;

/// <summary>
/// Recognises PostgreSQL refusing a text the request carried: it stores and compares no U+0000 (NUL) in text
/// ("invalid byte sequence for encoding UTF8: 0x00", 22021) nor in jsonb ("unsupported Unicode escape sequence",
/// 22P05). Every string the hub writes or searches for comes from a request or from the hub itself, which writes no
/// NUL, so this is the caller's mistake: 400 naming the request, never a 500. Marten wraps the database's exception,
/// so the whole chain is searched.
/// </summary>
public static class UnstorableText
{
    public static bool Matches(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException { SqlState: "22021" or "22P05" })
            {
                return true;
            }
        }

        return false;
    }

    public static RequestValidationException Refusal() => new([new FieldViolation(
        "request", "A text value of the request (in its body or its query) contains the NUL character (\\u0000), which the hub cannot store or search for; remove it.")]);
}
