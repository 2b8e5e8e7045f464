namespace ActorRelay.SimulatedVendor;

/// <summary>A chat endpoint of one protocol: authorizes, applies the simulation plan, answers or streams.</summary>
internal sealed class SimulatedChatEndpoint(IVendorDialect dialect, SimulatedVendorOptions options, SimulatedVendorMonitor monitor, CancellationToken stopping)
{
    public async Task HandleAsync(HttpContext context)
    {
        monitor.RequestReceived();
        if (!await dialect.AuthorizeAsync(context, options))
        {
            return;
        }

        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            var plan = SimulationPlan.Create(options, context.Request.Headers);
            if (plan.FailStatus is int failStatus)
            {
                await dialect.WriteInjectedFailureAsync(context, failStatus);
                return;
            }

            var request = await dialect.ReadRequestAsync(context, cancellation.Token);
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
            await dialect.WriteInvalidRequestAsync(context, exception.Message);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The peer went away or the host is stopping: drop the connection rather than wait for a graceful drain.
            context.Abort();
        }
    }

    private async Task AnswerAsync(HttpContext context, ChatRequest request, SimulationPlan plan, SimulatedReply reply, CancellationToken cancellationToken)
    {
        await PreciseDelay.DelayAsync(plan.FirstTokenDelayMs + ((long)reply.CompletionTokens * plan.TokenDelayMs), cancellationToken);
        await VendorResponses.WriteJsonAsync(
            context,
            StatusCodes.Status200OK,
            (Dialect: dialect, Request: request, Reply: reply),
            static (writer, answer) => answer.Dialect.WriteAnswer(writer, answer.Request, answer.Reply));
    }

    private async Task StreamAsync(HttpContext context, ChatRequest request, SimulationPlan plan, SimulatedReply reply, CancellationToken cancellationToken)
    {
        var observation = monitor.StreamStarted(request.LastUserMessage);
        try
        {
            await PreciseDelay.DelayAsync(plan.FirstTokenDelayMs, cancellationToken);
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            using var events = new ServerSentEventWriter(context.Response.BodyWriter, cancellationToken);
            var stream = dialect.CreateStream(events, request, reply);
            await stream.WriteStartAsync();
            for (var i = 0; i < reply.CompletionTokens; i++)
            {
                if (i > 0)
                {
                    await PreciseDelay.DelayAsync(plan.TokenDelayMs, cancellationToken);
                }

                if (i == plan.DropAfterTokens)
                {
                    context.Abort();
                    return;
                }

                await stream.WriteTokenAsync(i);
                observation.TokenWritten();
            }

            await stream.WriteEndAsync();
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
}
