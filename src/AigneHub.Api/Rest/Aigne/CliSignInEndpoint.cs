namespace AigneHub.Api.Rest.Aigne;

/// <summary>
/// The blocklet-server service routes the AIGNE CLI's <c>aigne hub connect</c> calls to sign in through the browser
/// (<c>POST /.well-known/service/api/access-key/session</c> and the polls after it). This hub has no browser sign-in
/// for the CLI: every such route answers 404 in AIGNE's error shape saying what works instead (an access key in
/// <c>AIGNE_HUB_API_KEY</c> with the hub's address in <c>AIGNE_HUB_API_URL</c>), so the CLI shows an instruction
/// rather than a bare "not found".
/// </summary>
internal static class CliSignInEndpoint
{
    public const string RoutePrefix = "/.well-known/service";

    public const string Message =
        "This AIGNE Hub has no browser sign-in for 'aigne hub connect'. Create an access key with scope 'inference' " +
        "(POST /api/user/keys, or the console's Keys page), then set AIGNE_HUB_API_URL to this hub's address and " +
        "AIGNE_HUB_API_KEY to the key (see docs/api.md, \"AIGNE CLI\").";

    private static readonly HubError NotSupported = new(
        StatusCodes.Status404NotFound, global::Grpc.Core.StatusCode.NotFound, HubErrorMapper.InvalidRequest, "cli_sign_in_not_supported", null, Message);

    public static IEndpointRouteBuilder MapCliSignIn(this IEndpointRouteBuilder app)
    {
        // Anonymous: the CLI has no key yet; that is what it is asking for.
        app.Map(RoutePrefix + "/{**rest}", (HttpContext context) => AigneErrorBody.WriteResponseAsync(context, NotSupported, TimeProvider.System))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }
}
