using AigneHub.Api.OpenApi;

namespace AigneHub.UnitTests.Api.OpenApi;

public sealed class ProtoCommentsTests
{
    private const string Source = """
        syntax = "proto3";
        package shop.v1;

        // Sells things.
        service Shop {
          // Lists the shelves; the path has "{braces}" in quotes.
          rpc ListShelves(ListShelvesRequest) returns (ListShelvesResponse) {
            option (google.api.http) = { get: "/v1/{parent=shops/*}/shelves" };
          }
        }

        // A shelf.
        message Shelf {
          // Its name.
          string name = 1 [json_name = "name"];
          // Labels by key.
          map<string, string> labels = 2;
          oneof where {
            // An aisle number.
            int32 aisle = 3;
          }
          // A nested one.
          message Slot { int32 number = 1; }
          // The kind.
          enum Kind {
            // Not set.
            KIND_UNSPECIFIED = 0;
          }
        }
        message ListShelvesRequest { string parent = 1; }
        """;

    [Theory]
    [InlineData("shop.v1.Shop", "Sells things.")]
    [InlineData("shop.v1.Shop.ListShelves", "Lists the shelves; the path has \"{braces}\" in quotes.")]
    [InlineData("shop.v1.Shelf", "A shelf.")]
    [InlineData("shop.v1.Shelf.name", "Its name.")]
    [InlineData("shop.v1.Shelf.labels", "Labels by key.")]
    [InlineData("shop.v1.Shelf.aisle", "An aisle number.")]
    [InlineData("shop.v1.Shelf.Slot", "A nested one.")]
    [InlineData("shop.v1.Shelf.Kind", "The kind.")]
    [InlineData("shop.v1.Shelf.Kind.KIND_UNSPECIFIED", "Not set.")]
    public void Leading_comments_are_found_by_full_name(string fullName, string comment) =>
        Assert.Equal(comment, ProtoComments.Parse(Source).For(fullName));

    [Fact]
    public void Elements_without_a_comment_have_none()
    {
        var comments = ProtoComments.Parse(Source);

        Assert.Null(comments.For("shop.v1.ListShelvesRequest"));
        Assert.Null(comments.For("shop.v1.ListShelvesRequest.parent"));
        Assert.Null(comments.For("shop.v1.Shelf.Slot.number"));
    }

    [Fact]
    public void The_hub_protos_are_embedded_with_their_comments() =>
        Assert.Contains("How many calls to return per page", ProtoComments.FromEmbeddedProtos().For("aignehub.v1.ListCallsRequest.limit"), StringComparison.Ordinal);
}
