using System.ComponentModel.DataAnnotations;
using AigneHub.Application.Billing;

namespace AigneHub.UnitTests.Application.Billing;

public sealed class BillingOptionsTests
{
    private static IReadOnlyList<ValidationResult> Problems(BillingOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }

    [Fact]
    public void Holds_are_renewed_three_times_per_hold_time_unless_configured()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), new BillingOptions().HoldRenewalPeriod);
        Assert.Equal(TimeSpan.FromSeconds(20), new BillingOptions { HoldMinutes = 1 }.HoldRenewalPeriod);
        Assert.Equal(TimeSpan.FromSeconds(30), new BillingOptions { HoldMinutes = 1, HoldRenewalSeconds = 30 }.HoldRenewalPeriod);
    }

    [Fact]
    public void A_renewal_period_longer_than_half_the_hold_time_is_refused_at_start_up()
    {
        Assert.Empty(Problems(new BillingOptions { HoldMinutes = 1, HoldRenewalSeconds = 30 }));

        var problem = Assert.Single(Problems(new BillingOptions { HoldMinutes = 1, HoldRenewalSeconds = 31 }));

        Assert.Contains("Billing:HoldRenewalSeconds", problem.ErrorMessage);
    }
}
