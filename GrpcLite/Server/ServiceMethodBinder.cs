using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Logging;

namespace GrpcLite.Server;

/// <summary>
/// Matches the RPCs of a service descriptor to public methods of TService by name and shape,
/// and builds one typed handler per RPC. All reflection happens here, once, at map time.
/// </summary>
internal static class ServiceMethodBinder
{
    public static ServerCallHandler Bind<TService>(MethodDescriptor method, GrpcLiteOptions options, ILogger logger, ServiceActivator<TService> activator)
        where TService : class
    {
        var serviceName = method.Service.FullName;
        var requestType = method.InputType.ClrType;
        var responseType = method.OutputType.ClrType;
        if (requestType is null || responseType is null)
        {
            throw new InvalidOperationException($"RPC {serviceName}/{method.Name} has message types without generated C# classes.");
        }

        var (handlerDefinition, delegateType) = Shape(method, typeof(TService), requestType, responseType);
        var target = FindMethod(typeof(TService), method.Name, delegateType);
        if (target is null)
        {
            return new UnimplementedCallHandler(serviceName, method.Name, "Method is unimplemented.", options, logger);
        }

        var invoker = target.CreateDelegate(delegateType);
        var handlerType = handlerDefinition.MakeGenericType(typeof(TService), requestType, responseType);
        return (ServerCallHandler)Activator.CreateInstance(
            handlerType, serviceName, method.Name, options, logger, activator, method.InputType.Parser, invoker)!;
    }

    private static (Type Handler, Type Delegate) Shape(MethodDescriptor method, Type service, Type request, Type response)
    {
        var context = typeof(ServerCallContext);
        var reader = typeof(IAsyncStreamReader<>).MakeGenericType(request);
        var writer = typeof(IServerStreamWriter<>).MakeGenericType(response);
        var taskOfResponse = typeof(Task<>).MakeGenericType(response);
        return (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => (typeof(UnaryCallHandler<,,>),
                typeof(Func<,,,>).MakeGenericType(service, request, context, taskOfResponse)),
            (false, true) => (typeof(ServerStreamingCallHandler<,,>),
                typeof(Func<,,,,>).MakeGenericType(service, request, writer, context, typeof(Task))),
            (true, false) => (typeof(ClientStreamingCallHandler<,,>),
                typeof(Func<,,,>).MakeGenericType(service, reader, context, taskOfResponse)),
            (true, true) => (typeof(DuplexStreamingCallHandler<,,>),
                typeof(Func<,,,,>).MakeGenericType(service, reader, writer, context, typeof(Task))),
        };
    }

    /// <summary>A public instance method named like the RPC whose parameters and return type fit the delegate.</summary>
    private static MethodInfo? FindMethod(Type service, string name, Type delegateType)
    {
        var invoke = delegateType.GetMethod("Invoke")!;
        var expected = invoke.GetParameters().Skip(1).Select(p => p.ParameterType).ToArray();
        return service
            .GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(m => m.Name == name
                && m.ReturnType == invoke.ReturnType
                && m.GetParameters().Select(p => p.ParameterType).SequenceEqual(expected));
    }

    internal static MessageParser<T> ParserOf<T>(MessageDescriptor descriptor)
        where T : IMessage<T> => (MessageParser<T>)descriptor.Parser;
}
