namespace ActorRelay.Gateway.Options;

/// <summary>Configuration section <c>ActorRelay:Access</c>: who may call, and the admin credential.</summary>
public sealed class AccessOptions
{
    public const string SectionName = "ActorRelay:Access";

    /// <summary>When true (the default), every /v1 call needs a virtual key; when false, calls without a key bill <see cref="GatewayOptions.DefaultTenant"/>.</summary>
    public bool RequireKeys { get; set; } = true;

    /// <summary>The admin API's bearer credential. Without one the admin API answers 403 to everybody.</summary>
    public string? AdminKey { get; set; }

    /// <summary>How often each node checks the access directory for changes (revocations reach every node within this).</summary>
    public double RefreshSeconds { get; set; } = 2;

    /// <summary>Output tokens assumed for the budget reservation of a call that sets no max_tokens.</summary>
    public int DefaultMaxOutputTokens { get; set; } = 4096;

    public DemoAccessOptions Demo { get; set; } = new();
}

/// <summary>The demo tenant and key the embedded default seeds so that a fresh clone works at once. Production switches it off.</summary>
public sealed class DemoAccessOptions
{
    public bool Enabled { get; set; }

    public string TenantId { get; set; } = "demo";

    /// <summary>The demo key's plaintext (it is stored hashed like any key).</summary>
    public string Key { get; set; } = "";
}
