namespace CodeAssist.Inference.Models;

/// <summary>
/// A cheap look at an .onnx file before ONNX Runtime parses it, so that the usual accidents (a Git LFS pointer
/// instead of the file, an interrupted copy, a file of another kind) get a sentence instead of "Protobuf parsing failed".
/// </summary>
/// <remarks>
/// An ONNX model is a protobuf ModelProto. Its top level holds a few fields (ir_version, producer, opset_import,
/// the graph, metadata), so walking them costs a handful of reads even for a multi-gigabyte file: each
/// length-delimited field is skipped by seeking. The walk must end exactly at the end of the file and must have
/// met the graph (field 7); random bytes almost never manage both.
/// </remarks>
internal static class OnnxFileCheck
{
    private const int GraphField = 7;
    private const int MaxTopLevelFields = 100_000;

    /// <summary>Returns why the file cannot be an ONNX model, or null when it looks like one.</summary>
    public static string? Problem(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.RandomAccess);
        if (stream.Length == 0)
            return "is empty";
        if (IsGitLfsPointer(stream))
            return "is a Git LFS pointer, not the model itself (run `git lfs pull` in the source repository, or download the file directly)";

        stream.Position = 0;
        var sawGraph = false;
        for (var fields = 0; stream.Position < stream.Length; fields++)
        {
            if (fields == MaxTopLevelFields || ReadVarint(stream) is not { } tag)
                return NotOnnx;
            var field = tag >> 3;
            var wireType = (int)(tag & 7);
            if (field == 0)
                return NotOnnx;
            switch (wireType)
            {
                case 0:
                    if (ReadVarint(stream) is null)
                        return NotOnnx;
                    break;
                case 1:
                    stream.Position += 8;
                    break;
                case 2:
                    if (ReadVarint(stream) is not { } length || length > (ulong)(stream.Length - stream.Position))
                        return NotOnnx;
                    stream.Position += (long)length;
                    sawGraph |= field == GraphField;
                    break;
                case 5:
                    stream.Position += 4;
                    break;
                default:
                    return NotOnnx;
            }
        }
        if (stream.Position != stream.Length)
            return "is truncated (the copy was probably interrupted)";
        return sawGraph ? null : NotOnnx;
    }

    private const string NotOnnx = "is not an ONNX model (it is damaged, truncated or a file of another kind)";

    private static bool IsGitLfsPointer(Stream stream)
    {
        if (stream.Length > 1024)
            return false;
        var start = new byte[Math.Min(64, (int)stream.Length)];
        stream.ReadExactly(start);
        return System.Text.Encoding.ASCII.GetString(start).StartsWith("version https://git-lfs", StringComparison.Ordinal);
    }

    private static ulong? ReadVarint(Stream stream)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = stream.ReadByte();
            if (b < 0)
                return null;
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
        return null;
    }
}
