using System.Buffers.Binary;
using System.Text;

namespace CodeAssist.Training;

/// <summary>
/// TorchSharp 0.107.0's libLibTorchSharp.so was linked against GCC 13's libstdc++ and so requires the version
/// GLIBCXX_3.4.32, which Debian 12's libstdc++ (GCC 12) lacks; loading then fails with "version `GLIBCXX_3.4.32'
/// not found". The only symbol under that version is <c>std::ios_base_library_init()</c>, a marker GCC 13 emits
/// without any relocation (it is never called), so the requirement can safely be made weak: the dynamic loader
/// then only warns when the version is missing. This patches our own build output, never the NuGet cache, and is
/// a no-op once the flag is set or when the library needs no such version.
/// </summary>
internal static class LibTorchLoader
{
    private const uint VersionNeedSection = 0x6ffffffe;
    private const ushort WeakVersionFlag = 0x2;
    private const string MissingVersion = "GLIBCXX_3.4.32";

    public static void PrepareNativeLibraries()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (File.Exists(library) && MakeVersionWeak(library, MissingVersion))
            Log.Write($"libtorch: made the {MissingVersion} requirement of {library} weak (Debian 12's libstdc++ lacks it)");
    }

    private static bool MakeVersionWeak(string path, string version)
    {
        var elf = File.ReadAllBytes(path);
        var span = elf.AsSpan();
        var sectionHeaders = (int)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        var headerSize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        var headerCount = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        for (var i = 0; i < headerCount; i++)
        {
            var header = span[(sectionHeaders + i * headerSize)..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != VersionNeedSection)
                continue;
            var offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
            var stringSection = span[(sectionHeaders + (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]) * headerSize)..];
            var strings = (int)BinaryPrimitives.ReadUInt64LittleEndian(stringSection[0x18..]);
            var needCount = BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..]);
            var need = offset;
            for (var n = 0; n < needCount; n++)
            {
                var auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
                var aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]);
                for (var a = 0; a < auxCount; a++)
                {
                    var nameOffset = strings + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..]);
                    var nameLength = span[nameOffset..].IndexOf((byte)0);
                    if (Encoding.ASCII.GetString(span.Slice(nameOffset, nameLength)) == version)
                    {
                        var flags = BinaryPrimitives.ReadUInt16LittleEndian(span[(aux + 4)..]);
                        if ((flags & WeakVersionFlag) != 0)
                            return false;
                        BinaryPrimitives.WriteUInt16LittleEndian(span[(aux + 4)..], (ushort)(flags | WeakVersionFlag));
                        File.WriteAllBytes(path, elf);
                        return true;
                    }
                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]);
                }
                need += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
            }
        }
        return false;
    }
}
