namespace CodeAssist.ModelFactory.Builder;

/// <summary>
/// A weight matrix quantized to 4 bits in the layout of ONNX Runtime's MatMulNBits (com.microsoft): for a MatMul
/// weight B of shape [K, N], <see cref="Packed"/> is [N, K blocks, block size / 2] bytes, each column's K values cut
/// into blocks with the even row in a byte's low nibble; <see cref="Scales"/> is [N × K blocks], column-major
/// like the data. Symmetric quantization, as the model builder's default (is_symmetric): no zero-point tensor, so
/// the operator's implicit zero point 8 applies and a weight reads back as (q − 8) × scale.
/// </summary>
public sealed record Int4BlockQuantization(int Rows, int Columns, int BlockSize, byte[] Packed, float[] Scales)
{
    public int BlocksPerColumn => (Rows + BlockSize - 1) / BlockSize;

    /// <summary>
    /// Quantizes a row-major [rows, columns] matrix the way ONNX Runtime's blockwise quantizer
    /// (MLAS BlockwiseQuantizer, used by MatMulNBitsQuantizer and so by the model builder) does: per block, the
    /// value of largest magnitude m gives scale = −m / 8 (the larger half of the range maps to −8), and each value
    /// becomes clamp(round(v / scale + 8), 0, 15), rounding halves away from zero. Bytes for rows past the end of
    /// the matrix in a last, partial block stay zero, as the quantizer leaves them; MatMulNBits never reads them.
    /// </summary>
    public static Int4BlockQuantization Quantize(ReadOnlySpan<float> matrix, int rows, int columns, int blockSize)
    {
        if (blockSize < 16 || (blockSize & (blockSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(blockSize), blockSize, "MatMulNBits needs a power-of-two block size of at least 16 (the builder uses 32 or 128).");
        }
        if (matrix.Length != rows * columns)
        {
            throw new ArgumentException($"A [{rows}, {columns}] matrix has {rows * columns} values, not {matrix.Length}.", nameof(matrix));
        }
        var blocks = (rows + blockSize - 1) / blockSize;
        var blobSize = blockSize / 2;
        var packed = new byte[columns * blocks * blobSize];
        var scales = new float[columns * blocks];
        for (var column = 0; column < columns; column++)
        {
            for (var block = 0; block < blocks; block++)
            {
                var start = block * blockSize;
                var end = Math.Min(start + blockSize, rows);
                var min = float.MaxValue;
                var max = -float.MaxValue;
                for (var row = start; row < end; row++)
                {
                    var value = matrix[row * columns + column];
                    min = Math.Min(min, value);
                    max = Math.Max(max, value);
                }
                var extreme = MathF.Abs(max) > MathF.Abs(min) ? max : min;
                var scale = -extreme / 8f;
                var reciprocal = scale != 0f ? 1f / scale : 0f;
                scales[column * blocks + block] = scale;
                var blob = (column * blocks + block) * blobSize;
                for (var row = start; row < end; row++)
                {
                    var quantized = (byte)Math.Clamp(MathF.Round(matrix[row * columns + column] * reciprocal + 8f, MidpointRounding.AwayFromZero), 0f, 15f);
                    var offset = row - start;
                    packed[blob + offset / 2] |= (byte)(offset % 2 == 0 ? quantized : quantized << 4);
                }
            }
        }
        return new Int4BlockQuantization(rows, columns, blockSize, packed, scales);
    }

    /// <summary>The matrix MatMulNBits multiplies by, row-major [rows, columns]: (q − 8) × scale.</summary>
    public float[] Dequantize()
    {
        var blocks = BlocksPerColumn;
        var blobSize = BlockSize / 2;
        var matrix = new float[Rows * Columns];
        for (var column = 0; column < Columns; column++)
        {
            for (var row = 0; row < Rows; row++)
            {
                var block = row / BlockSize;
                var offset = row % BlockSize;
                var packedByte = Packed[(column * blocks + block) * blobSize + offset / 2];
                var quantized = offset % 2 == 0 ? packedByte & 0xF : packedByte >> 4;
                matrix[row * Columns + column] = (quantized - 8) * Scales[column * blocks + block];
            }
        }
        return matrix;
    }
}
