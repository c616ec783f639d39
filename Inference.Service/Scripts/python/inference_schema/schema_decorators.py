"""input_schema / output_schema as the inference-schema package has them: samples that describe run()'s input and
output (the endpoint's OpenAPI is built from them) and turn the request's JSON into the declared Python types."""
import functools



def _ensure_wrapper(func):
    if getattr(func, "__inference_schema__", None) is not None:
        return func
    target = func

    @functools.wraps(target)
    def wrapper(*args, **kwargs):
        schema = wrapper.__inference_schema__
        converted = {}
        for name, value in kwargs.items():
            parameter = schema["input"].get(name)
            converted[name] = parameter.deserialize_input(value) if parameter is not None else value
        result = target(*args, **converted)
        output = schema.get("output")
        return output.serialize_output(result) if output is not None else result

    wrapper.__inference_schema__ = {"input": {}, "output": None, "order": []}
    wrapper.__wrapped_run__ = target
    return wrapper


def input_schema(param_name, param_type, convert_to_provided_type=True, optional=False):
    def decorator(func):
        wrapper = _ensure_wrapper(func)
        wrapper.__inference_schema__["input"][param_name] = param_type
        wrapper.__inference_schema__["order"].insert(0, param_name)
        return wrapper
    return decorator


def output_schema(output_type):
    def decorator(func):
        wrapper = _ensure_wrapper(func)
        wrapper.__inference_schema__["output"] = output_type
        return wrapper
    return decorator


def describe(func):
    """The samples and JSON schemas the platform puts into the endpoint's OpenAPI document, or None."""
    schema = getattr(func, "__inference_schema__", None)
    if schema is None:
        return None
    return {
        "input": {name: {"schema": p.input_to_swagger(), "example": p.sample_json()} for name, p in schema["input"].items()},
        "output": None if schema["output"] is None else {"schema": schema["output"].input_to_swagger(), "example": schema["output"].sample_json()},
    }


__all__ = ["input_schema", "output_schema", "describe"]
