using Google.Protobuf;
using Google.Protobuf.Reflection;
using GrpcLite.Reflection.V1Alpha;
using GrpcLite.Server;

namespace GrpcLite.Reflection;

/// <summary>
/// grpc.reflection.v1alpha.ServerReflection: lists the mapped services and serves the
/// FileDescriptorProtos that describe them (with their dependencies) by file name or symbol.
/// </summary>
internal sealed class ReflectionService(GrpcServiceRegistry registry)
{
    public async Task ServerReflectionInfo(IAsyncStreamReader<ServerReflectionRequest> requestStream, IServerStreamWriter<ServerReflectionResponse> responseStream, ServerCallContext context)
    {
        var index = SymbolIndex.Build(registry.Services);
        while (await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requestStream.Current;
            var response = Answer(request, index);
            response.ValidHost = request.Host;
            response.OriginalRequest = request;
            await responseStream.WriteAsync(response).ConfigureAwait(false);
        }
    }

    private ServerReflectionResponse Answer(ServerReflectionRequest request, SymbolIndex index)
    {
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                list.Service.AddRange(registry.Services.Select(s => new ServiceResponse { Name = s.FullName }));
                return new ServerReflectionResponse { ListServicesResponse = list };

            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                return index.FilesByName.TryGetValue(request.FileByFilename, out var byName)
                    ? FileResponse(byName)
                    : Error(StatusCode.NotFound, $"File '{request.FileByFilename}' not found.");

            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                return index.FilesBySymbol.TryGetValue(request.FileContainingSymbol.TrimStart('.'), out var bySymbol)
                    ? FileResponse(bySymbol)
                    : Error(StatusCode.NotFound, $"Symbol '{request.FileContainingSymbol}' not found.");

            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                // proto3 messages declare no extension ranges: a known type has none.
                return index.FilesBySymbol.ContainsKey(request.AllExtensionNumbersOfType)
                    ? new ServerReflectionResponse { AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType } }
                    : Error(StatusCode.NotFound, $"Type '{request.AllExtensionNumbersOfType}' not found.");

            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                return Error(StatusCode.NotFound, "Extensions are not served.");

            default:
                return Error(StatusCode.InvalidArgument, "Empty reflection request.");
        }
    }

    /// <summary>The file first, then its transitive dependencies, each once.</summary>
    private static ServerReflectionResponse FileResponse(FileDescriptor file)
    {
        var response = new FileDescriptorResponse();
        var seen = new HashSet<string>();
        var pending = new Queue<FileDescriptor>([file]);
        while (pending.TryDequeue(out var next))
        {
            if (!seen.Add(next.Name))
            {
                continue;
            }
            response.FileDescriptorProto.Add(next.SerializedData);
            foreach (var dependency in next.Dependencies)
            {
                pending.Enqueue(dependency);
            }
        }
        return new ServerReflectionResponse { FileDescriptorResponse = response };
    }

    private static ServerReflectionResponse Error(StatusCode code, string message) =>
        new() { ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message } };

    /// <summary>Every file reachable from the mapped services, by name and by fully-qualified symbol.</summary>
    private sealed class SymbolIndex
    {
        public Dictionary<string, FileDescriptor> FilesByName { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, FileDescriptor> FilesBySymbol { get; } = new(StringComparer.Ordinal);

        public static SymbolIndex Build(IEnumerable<ServiceDescriptor> services)
        {
            var index = new SymbolIndex();
            foreach (var service in services)
            {
                index.AddFile(service.File);
            }
            return index;
        }

        private void AddFile(FileDescriptor file)
        {
            if (!FilesByName.TryAdd(file.Name, file))
            {
                return;
            }
            foreach (var service in file.Services)
            {
                FilesBySymbol.TryAdd(service.FullName, file);
                foreach (var method in service.Methods)
                {
                    FilesBySymbol.TryAdd(method.FullName, file);
                }
            }
            foreach (var message in file.MessageTypes)
            {
                AddMessage(message, file);
            }
            foreach (var enumType in file.EnumTypes)
            {
                FilesBySymbol.TryAdd(enumType.FullName, file);
            }
            foreach (var dependency in file.Dependencies)
            {
                AddFile(dependency);
            }
        }

        private void AddMessage(MessageDescriptor message, FileDescriptor file)
        {
            FilesBySymbol.TryAdd(message.FullName, file);
            foreach (var nested in message.NestedTypes)
            {
                AddMessage(nested, file);
            }
            foreach (var enumType in message.EnumTypes)
            {
                FilesBySymbol.TryAdd(enumType.FullName, file);
            }
        }
    }
}
