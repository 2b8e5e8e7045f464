namespace ActorRelay.Core.Ledger;

public enum BudgetPeriod
{
    Monthly = 0,
    Weekly = 1,
    Daily = 2,
    Total = 3,
}

public enum BudgetMode
{
    /// <summary>Calls that could exceed the budget are refused.</summary>
    Hard = 0,

    /// <summary>Calls pass; exceeding the budget raises an alert (metric and log).</summary>
    Soft = 1,
}

/// <summary>A spending limit for a tenant or one of its projects, per period (UTC calendar periods).</summary>
public sealed record BudgetSpec(decimal Limit, BudgetPeriod Period, BudgetMode Mode)
{
    /// <summary>The start of the period that contains <paramref name="at"/>, and the start of the next one.</summary>
    public (DateTimeOffset Start, DateTimeOffset End) PeriodAround(DateTimeOffset at)
    {
        var day = new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero);
        return Period switch
        {
            BudgetPeriod.Daily => (day, day.AddDays(1)),
            BudgetPeriod.Weekly => WeekAround(day),
            BudgetPeriod.Monthly => (new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1)),
            _ => (DateTimeOffset.MinValue, DateTimeOffset.MaxValue),
        };
    }

    private static (DateTimeOffset, DateTimeOffset) WeekAround(DateTimeOffset day)
    {
        var sinceMonday = ((int)day.DayOfWeek + 6) % 7;
        var start = day.AddDays(-sinceMonday);
        return (start, start.AddDays(7));
    }
}

/// <summary>A budget's standing at one moment.</summary>
public sealed record BudgetStatus(
    string? ProjectId,
    BudgetSpec Budget,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    decimal Spent,
    decimal Reserved)
{
    public decimal Remaining => Budget.Limit - Spent - Reserved;
}

public enum ReserveOutcome
{
    Granted = 0,

    /// <summary>Granted, but a soft budget is exceeded: alert.</summary>
    GrantedOverSoftBudget = 1,

    /// <summary>Refused by a hard budget.</summary>
    Denied = 2,
}

/// <summary>
/// The answer to a reservation: when not plainly granted, the budget that decided it; the amount held; and whether
/// any budget applies at all (when none does, nothing is held and nothing needs to be).
/// </summary>
public sealed record ReserveDecision(ReserveOutcome Outcome, BudgetStatus? Budget, decimal Granted, bool Bounded = true);
