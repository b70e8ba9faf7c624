namespace AigneHub.Domain.Billing;

/// <summary>
/// How credit amounts are rounded. Every amount that enters the ledger (a grant, a hold, a capture, an adjustment) and
/// every rate is rounded to <see cref="Scale"/> decimal places, half away from zero, so a balance is always an exact
/// sum of the amounts in its stream.
/// </summary>
public static class Credits
{
    /// <summary>Decimal places kept for credits and rates (one millionth of a credit).</summary>
    public const int Scale = 6;

    /// <summary>Decimal places kept for US-dollar unit costs and call costs.</summary>
    public const int UsdScale = 10;

    public static decimal Round(decimal amount) => Math.Round(amount, Scale, MidpointRounding.AwayFromZero);

    public static decimal RoundUsd(decimal amount) => Math.Round(amount, UsdScale, MidpointRounding.AwayFromZero);
}
