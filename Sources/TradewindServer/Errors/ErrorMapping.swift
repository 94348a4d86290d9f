import GRPCCore
import GRPCProtobuf
import TradewindCore
import TradewindStore

/// Turns the errors of lower layers into the statuses clients see; `ErrorMappingInterceptor` is its
/// one caller on the request path. Any error not sorted here becomes `INTERNAL` with no details, so
/// nothing about the database leaks to a client.
enum ErrorMapping {
    static func rpcError(for error: any Error) -> RPCError {
        switch error {
        case let error as RPCError:
            // grpc-swift turns an error an inner interceptor or handler throws into `unknown` with
            // the original as its cause; sort the cause instead.
            if error.code == .unknown, error.message.isEmpty, let cause = error.cause {
                var mapped = rpcError(for: cause)
                mapped.metadata.add(contentsOf: error.metadata)
                return mapped
            }
            return error
        case let error as any RPCErrorConvertible:
            return RPCError(error)
        case let failure as ValidationFailure:
            return invalidArgument(failure)
        case let error as StoreError:
            switch error {
            case .notFound(let message): return RPCError(code: .notFound, message: message)
            case .alreadyExists(let message): return RPCError(code: .alreadyExists, message: message)
            case .failedPrecondition(let message): return RPCError(code: .failedPrecondition, message: message)
            case .unavailable(let cluster, _):
                return RPCError(
                    code: .unavailable, message: "the \(cluster) database is unavailable; retry with backoff")
            }
        default:
            // The cause is for the server's log (`LoggingInterceptor`); it is never sent.
            return RPCError(code: .internalError, message: "internal error", cause: error)
        }
    }

    /// `INVALID_ARGUMENT` naming every bad field, with `google.rpc.BadRequest` details.
    static func invalidArgument(_ failure: ValidationFailure) -> RPCError {
        let status = GoogleRPCStatus(
            code: .invalidArgument, message: failure.message,
            details: [
                .badRequest(
                    violations: failure.violations.map {
                        ErrorDetails.BadRequest.FieldViolation(field: $0.field, description: $0.description)
                    })
            ])
        return RPCError(status)
    }
}
