using System.Net.Http.Headers;

namespace Registry.Tests.Support;

/// <summary>Builds a registration's multipart body the way curl -F does.</summary>
public sealed class ModelForm
{
    private readonly MultipartFormDataContent _content = new();

    public ModelForm Field(string name, string value)
    {
        _content.Add(new StringContent(value), name);
        return this;
    }

    public ModelForm File(string path, byte[] bytes, string field = "file")
    {
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        _content.Add(part, field, path);
        return this;
    }

    public MultipartFormDataContent Build() => _content;

    public static ModelForm Onnx(string name) => new ModelForm().Field("name", name).File("model.onnx", TestModels.Linear);
}
