using System.Text.Json.Serialization.Metadata;
using AigneHub.Domain.Billing;

namespace AigneHub.Infrastructure.Persistence;

/// <summary>
/// Leaves out of stored documents the state an aggregate keeps only in memory: a credit account's settled call ids
/// live in the settlement index (<see cref="CallSettlement"/>, ADR 0019), so the account document does not grow with
/// the account's calls. (An attribute on the Domain type would tie the Domain to a serializer.)
/// </summary>
public static class UnstoredStateModifier
{
    private static readonly HashSet<string> CreditAccountInMemoryOnly =
        [nameof(CreditAccount.Settled), nameof(CreditAccount.SettledAt), nameof(CreditAccount.SettledPrunedAt)];

    public static void Apply(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Type != typeof(CreditAccount) || typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        for (var i = typeInfo.Properties.Count - 1; i >= 0; i--)
        {
            if (typeInfo.Properties[i].AttributeProvider is System.Reflection.PropertyInfo property && CreditAccountInMemoryOnly.Contains(property.Name))
            {
                typeInfo.Properties.RemoveAt(i);
            }
        }
    }
}
