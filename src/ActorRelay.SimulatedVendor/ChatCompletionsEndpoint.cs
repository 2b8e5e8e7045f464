namespace ActorRelay.SimulatedVendor;

/// <summary><c>POST /v1/chat/completions</c>: validates, applies the simulation plan, answers or streams.</summary>
internal sealed class ChatCompletionsEndpoint(SimulatedVendorOptions options, SimulatedVendorMonitor monitor, CancellationToken stopping)
{
    public async Task HandleAsync(HttpContext context)
    {
        monitor.RequestReceived();
        if (!await VendorResponses.AuthorizeAsync(context, options))
        {
            return;
        }

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            var plan = SimulationPlan.Create(options, context.Request.Headers);
            if (plan.FailStatus is int failStatus)
            {
                await VendorResponses.WriteInjectedFailureAsync(context, failStatus);
                return;
            }

            var request = await ChatRequest.ReadAsync(context.Request.Body, cancellation.Token);
            var reply = SimulatedReply.Create(request, plan.ResponseTokens);
            if (request.Stream)
            {
                await StreamAsync(context, request, plan, reply, cancellation.Token);
            }
            else
            {
                await AnswerAsync(context, request, plan, reply, cancellation.Token);
            }
        }
        catch (InvalidRequestException exception)
        {
            await VendorResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, exception.Message, "invalid_request_error");
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The peer went away or the host is stopping: drop the connection rather than wait for a graceful drain.
            context.Abort();
        }
    }

    private static async Task AnswerAsync(HttpContext context, ChatRequest request, SimulationPlan plan, SimulatedReply reply, CancellationToken cancellationToken)
    {
        await DelayAsync(plan.FirstTokenDelayMs + ((long)reply.CompletionTokens * plan.TokenDelayMs), cancellationToken);
        await VendorResponses.WriteJsonAsync(
            context,
            StatusCodes.Status200OK,
            (Identity: CompletionIdentity.New(request.Model), Reply: reply),
            static (writer, answer) => OpenAiJson.WriteCompletion(writer, answer.Identity, answer.Reply));
    }

    private async Task StreamAsync(HttpContext context, ChatRequest request, SimulationPlan plan, SimulatedReply reply, CancellationToken cancellationToken)
    {
        var observation = monitor.StreamStarted(request.LastUserMessage);
        try
        {
            await DelayAsync(plan.FirstTokenDelayMs, cancellationToken);
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            var identity = CompletionIdentity.New(request.Model);
            var includeUsage = request.IncludeUsage;
            using var events = new ServerSentEventWriter(context.Response.BodyWriter, cancellationToken);

            OpenAiJson.WriteChunk(events.BeginEvent(), identity, includeUsage, role: "assistant", content: string.Empty, finishReason: null);
            await events.EndEventAsync();
            for (var i = 0; i < reply.CompletionTokens; i++)
            {
                if (i > 0)
                {
                    await DelayAsync(plan.TokenDelayMs, cancellationToken);
                }

                if (i == plan.DropAfterTokens)
                {
                    context.Abort();
                    return;
                }

                OpenAiJson.WriteChunk(events.BeginEvent(), identity, includeUsage, role: null, content: reply.Token(i), finishReason: null);
                await events.EndEventAsync();
                observation.TokenWritten();
            }

            OpenAiJson.WriteChunk(events.BeginEvent(), identity, includeUsage, role: null, content: null, finishReason: reply.FinishReason);
            await events.EndEventAsync();
            if (includeUsage)
            {
                OpenAiJson.WriteUsageChunk(events.BeginEvent(), identity, reply);
                await events.EndEventAsync();
            }

            await events.WriteDoneAsync();
            observation.MarkCompleted();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            observation.MarkAborted();
            throw;
        }
        finally
        {
            monitor.StreamEnded();
        }
    }

    /// <summary>Task.Delay in int-sized steps, so that long totals (tokens × delay) cannot overflow.</summary>
    private static async Task DelayAsync(long milliseconds, CancellationToken cancellationToken)
    {
        for (var remaining = milliseconds; remaining > 0; remaining -= int.MaxValue)
        {
            await Task.Delay((int)Math.Min(remaining, int.MaxValue), cancellationToken);
        }
    }
}
