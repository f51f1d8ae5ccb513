package egress

import (
	"fmt"
	"io"
)

// limitedBody fails with ErrTooLarge once more than max bytes arrive. Unlike
// io.LimitReader it does not end quietly at the limit: a truncated media file
// or JSON document must not pass for a whole one.
type limitedBody struct {
	rc   io.ReadCloser
	left int64 // bytes still allowed
	max  int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// At the limit: one more byte means the body is too long; EOF means
		// it was exactly max bytes.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, b.max)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error {
	return b.rc.Close()
}
