using System.Reflection;
using System.Text.Json.Serialization.Metadata;

namespace AigneHub.Infrastructure.Persistence;

/// <summary>
/// Lets System.Text.Json restore domain state through private setters, so aggregates can keep their setters private
/// (only their Apply methods change them) while Marten still loads their snapshots. Limited to the hub's domain types.
/// </summary>
internal static class NonPublicSetterModifier
{
    private const string DomainNamespace = "AigneHub.Domain";

    public static void Apply(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object || typeInfo.Type.Namespace?.StartsWith(DomainNamespace, StringComparison.Ordinal) != true)
        {
            return;
        }

        foreach (var property in typeInfo.Properties)
        {
            if (property.Set is not null || property.AttributeProvider is not PropertyInfo info)
            {
                continue;
            }

            var setter = info.GetSetMethod(nonPublic: true);
            if (setter is not null)
            {
                property.Set = (target, value) => setter.Invoke(target, [value]);
            }
        }
    }
}
