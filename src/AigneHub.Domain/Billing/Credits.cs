namespace AigneHub.Domain.Billing;

/// <summary>
/// How credit amounts are rounded. Every amount that enters the ledger (a grant, a hold, a capture, an adjustment) has
/// <see cref="Scale"/> decimal places, so a balance is always an exact sum of the amounts in its stream. Rates keep
/// <see cref="RateScale"/> places: a model that costs cents per million tokens has a rate far below one millionth of a
/// credit per token, and rounding that to 0 would make it free. A call's price is rounded up to <see cref="Scale"/>
/// places (<see cref="RoundUp"/>): a served call is never free, and pays at most a millionth of a credit more.
/// </summary>
public static class Credits
{
    /// <summary>Decimal places kept for credits and rates (one millionth of a credit).</summary>
    public const int Scale = 6;

    /// <summary>Decimal places kept for rates (credits per token or per image).</summary>
    public const int RateScale = 12;

    /// <summary>Decimal places kept for US-dollar unit costs and call costs.</summary>
    public const int UsdScale = 10;

    /// <summary>
    /// The largest amount one grant, payment or adjustment may carry (a trillion credits). Far above any real top-up,
    /// and far enough below decimal's range (7.9e28) that no sum of ledger amounts can overflow.
    /// </summary>
    public const decimal MaxAmount = 1_000_000_000_000m;

    /// <summary>
    /// The largest rate (credits per token or per image) and unit cost (US dollars per token or per image): a call's
    /// price, tokens × rate with up to 2^31 tokens, then stays far inside decimal's range.
    /// </summary>
    public const decimal MaxRate = 1_000_000_000m;

    /// <summary>Whether <paramref name="amount"/> fits the ledger: at most <see cref="Scale"/> places and at most <see cref="MaxAmount"/> either way.</summary>
    public static bool FitsLedger(decimal amount) => Math.Abs(amount) <= MaxAmount && amount == Round(amount);

    public static decimal Round(decimal amount) => Math.Round(amount, Scale, MidpointRounding.AwayFromZero);

    /// <summary>A price in the ledger's places, never below <paramref name="amount"/> (prices are never negative).</summary>
    public static decimal RoundUp(decimal amount) => Math.Round(amount, Scale, MidpointRounding.ToPositiveInfinity);

    public static decimal RoundRate(decimal rate) => Math.Round(rate, RateScale, MidpointRounding.AwayFromZero);

    public static decimal RoundUsd(decimal amount) => Math.Round(amount, UsdScale, MidpointRounding.AwayFromZero);
}
