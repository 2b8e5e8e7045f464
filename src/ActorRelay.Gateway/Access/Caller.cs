namespace ActorRelay.Gateway.Access;

/// <summary>Who a call is billed to: the key's tenant and project, and the tags recorded on its ledger event.</summary>
internal sealed record Caller(string TenantId, string? ProjectId, string? KeyId, IReadOnlyList<string> AllowedModels, IReadOnlyDictionary<string, string> Tags)
{
    public bool AllowsModel(string model) =>
        AllowedModels.Count == 0 || AllowedModels.Contains(model, StringComparer.OrdinalIgnoreCase);
}

/// <summary>Why a caller was refused, in OpenAI's terms.</summary>
internal sealed record AccessDenial(int Status, string Message, string Code);
