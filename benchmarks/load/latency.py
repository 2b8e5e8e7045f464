"""Shared by the load scripts: percentiles of latency samples."""


def percentile(sorted_values, fraction):
    """The fraction's percentile of ascending values, interpolated between the two nearest ranks; nan if none."""
    if not sorted_values:
        return float("nan")
    rank = fraction * (len(sorted_values) - 1)
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)
