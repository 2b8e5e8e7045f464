namespace ActorRelay.Core.Policy;

/// <summary>
/// A token bucket that holds up to <see cref="Capacity"/> tokens and refills <see cref="RefillAmount"/> tokens every
/// <see cref="RefillPeriod"/>, continuously. Time is passed in as ticks (100 ns, e.g. <c>DateTimeOffset.UtcTicks</c> or
/// an elapsed <c>TimeSpan.Ticks</c>); a clock that steps back refills nothing.
/// </summary>
/// <remarks>
/// The level is kept in integer units of 1/(period ticks / gcd) of a token, in which one tick refills a whole number
/// of units: refills are exact however often they are applied, a full bucket holds exactly its capacity, and the
/// level is never negative. Not thread-safe: it belongs to one actor.
/// </remarks>
public sealed class TokenBucket
{
    private readonly Int128 _capacityUnits;
    private readonly long _unitsPerToken;
    private readonly long _unitsPerTick;
    private Int128 _level;
    private long _updatedTicks;

    /// <summary>A full bucket at <paramref name="nowTicks"/>.</summary>
    public TokenBucket(long capacity, long refillAmount, TimeSpan refillPeriod, long nowTicks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(refillAmount);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(refillPeriod, TimeSpan.Zero);
        Capacity = capacity;
        RefillAmount = refillAmount;
        RefillPeriod = refillPeriod;
        var divisor = (long)Gcd((ulong)refillAmount, (ulong)refillPeriod.Ticks);
        _unitsPerToken = refillPeriod.Ticks / divisor;
        _unitsPerTick = refillAmount / divisor;
        _capacityUnits = (Int128)capacity * _unitsPerToken;
        _level = _capacityUnits;
        _updatedTicks = nowTicks;
    }

    public long Capacity { get; }

    public long RefillAmount { get; }

    public TimeSpan RefillPeriod { get; }

    /// <summary>A full bucket of <paramref name="limit"/> tokens that refills <paramref name="limit"/> tokens a minute.</summary>
    public static TokenBucket PerMinute(long limit, long nowTicks) => new(limit, limit, TimeSpan.FromMinutes(1), nowTicks);

    /// <summary>Whole tokens available at <paramref name="nowTicks"/>.</summary>
    public long Available(long nowTicks) => (long)(LevelAt(nowTicks) / _unitsPerToken);

    /// <summary>
    /// Takes <paramref name="amount"/> tokens when they are all available. Otherwise takes nothing and tells how long
    /// until they will be: <see cref="TimeSpan.MaxValue"/> when the amount exceeds the capacity and never will.
    /// </summary>
    public bool TryTake(long amount, long nowTicks, out TimeSpan retryAfter)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        Refill(nowTicks);
        retryAfter = Wait((Int128)amount * _unitsPerToken);
        if (retryAfter != TimeSpan.Zero)
        {
            return false;
        }

        _level -= (Int128)amount * _unitsPerToken;
        return true;
    }

    /// <summary>Takes as many whole tokens as are available, up to <paramref name="max"/>, and returns how many.</summary>
    public long TryTakeBatch(long max, long nowTicks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        Refill(nowTicks);
        var granted = Math.Min(max, (long)(_level / _unitsPerToken));
        _level -= (Int128)granted * _unitsPerToken;
        return granted;
    }

    /// <summary>Returns unused tokens (a reservation larger than the use, an unspent lease); the level stops at capacity.</summary>
    public void GiveBack(long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        _level = Int128.Min(_capacityUnits, _level + ((Int128)amount * _unitsPerToken));
    }

    /// <summary>How long from <paramref name="nowTicks"/> until <paramref name="amount"/> tokens are available.</summary>
    public TimeSpan TimeUntilAvailable(long amount, long nowTicks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        return Wait((Int128)amount * _unitsPerToken, LevelAt(nowTicks));
    }

    /// <summary>How long from <paramref name="nowTicks"/> until the bucket is full again.</summary>
    public TimeSpan TimeUntilFull(long nowTicks) => Wait(_capacityUnits, LevelAt(nowTicks));

    private Int128 LevelAt(long nowTicks)
    {
        if (nowTicks <= _updatedTicks || _level >= _capacityUnits)
        {
            return _level;
        }

        var missing = _capacityUnits - _level;
        var refill = (Int128)(nowTicks - _updatedTicks) * _unitsPerTick;
        return refill >= missing ? _capacityUnits : _level + refill;
    }

    private void Refill(long nowTicks)
    {
        _level = LevelAt(nowTicks);
        _updatedTicks = Math.Max(_updatedTicks, nowTicks);
    }

    private TimeSpan Wait(Int128 units) => Wait(units, _level);

    private TimeSpan Wait(Int128 units, Int128 level)
    {
        if (units > _capacityUnits)
        {
            return TimeSpan.MaxValue;
        }

        var missing = units - level;
        if (missing <= 0)
        {
            return TimeSpan.Zero;
        }

        var ticks = (missing + _unitsPerTick - 1) / _unitsPerTick;
        return ticks >= TimeSpan.MaxValue.Ticks ? TimeSpan.MaxValue : TimeSpan.FromTicks((long)ticks);
    }

    private static ulong Gcd(ulong left, ulong right)
    {
        while (right != 0)
        {
            (left, right) = (right, left % right);
        }

        return left;
    }
}
