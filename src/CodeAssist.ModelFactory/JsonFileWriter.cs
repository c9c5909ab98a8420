using System.Text.Encodings.Web;
using System.Text.Json;

namespace CodeAssist.ModelFactory;

/// <summary>
/// Writes JSON files byte for byte the same on every machine: indented with "\n" line endings whatever the
/// platform, non-ASCII characters (byte-level tokens such as "Ġ") written as UTF-8 rather than escaped, and the
/// file ending in a newline.
/// </summary>
internal static class JsonFileWriter
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write(string path, Action<Utf8JsonWriter> writeDocument)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using (var writer = new Utf8JsonWriter(file, Options))
        {
            writeDocument(writer);
        }
        file.WriteByte((byte)'\n');
    }
}
