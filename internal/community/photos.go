package community

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // decoders of accepted uploads

	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/nevcrm/nevcrm/internal/apperr"
	"github.com/nevcrm/nevcrm/internal/db"
)

// Photo limits. Uploads are decoded (JPEG, PNG or WebP, judged by content,
// never by name or declared type), and re-encoded as JPEG no larger than
// MaxSide, with a thumbnail of ThumbSide; nothing of the uploaded file but
// its pixels is kept, so no metadata (GPS position) and no script survives.
// Both are stored in post_photos, so every serve process sees them.
const (
	MaxPhotoBytes = 8 << 20 // per upload
	MaxPixels     = 40e6    // width × height of an upload, checked before decoding
	MaxSide       = 1600
	ThumbSide     = 360
)

// Upload is a photo as submitted: its bytes (the file name is ignored).
type Upload struct {
	Data []byte
}

// processed is a re-encoded photo.
type processed struct {
	image, thumb  []byte
	width, height int
}

// errPhoto is the field error of a bad upload.
func errPhoto(msg string) error { return apperr.Field("photos", msg) }

// processPhoto checks and re-encodes one upload.
func processPhoto(u Upload) (*processed, error) {
	if len(u.Data) == 0 {
		return nil, errPhoto("图片是空文件")
	}
	if len(u.Data) > MaxPhotoBytes {
		return nil, errPhoto("每张图片不能超过 8 MB")
	}
	if !sniffImage(u.Data) {
		return nil, errPhoto("只支持 JPG、PNG 或 WebP 格式的图片")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(u.Data))
	if err != nil {
		return nil, errPhoto("图片无法识别，可能已损坏")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || float64(cfg.Width)*float64(cfg.Height) > MaxPixels {
		return nil, errPhoto("图片尺寸过大（最多 4000 万像素）")
	}
	src, _, err := image.Decode(bytes.NewReader(u.Data))
	if err != nil {
		return nil, errPhoto("图片无法识别，可能已损坏")
	}
	out := &processed{}
	if out.image, out.thumb, out.width, out.height, err = Reencode(src); err != nil {
		return nil, err
	}
	return out, nil
}

// ProcessUpload checks and re-encodes one upload exactly as a post's photo
// (content sniffing, size and pixel limits, re-encoding without metadata),
// for other areas that keep pictures in their own tables (the campaign
// area's cover images). A bad upload is Invalid on field "photos" with a
// Chinese message.
func ProcessUpload(u Upload) (full, thumb []byte, width, height int, err error) {
	p, err := processPhoto(u)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	return p.image, p.thumb, p.width, p.height, nil
}

// Reencode turns a decoded picture into the stored JPEG (at most MaxSide on
// its longer edge) and its thumbnail, with the stored picture's size.
func Reencode(src image.Image) (full, thumb []byte, width, height int, err error) {
	img := fit(src, MaxSide)
	b := img.Bounds()
	if full, err = encodeJPEG(img, 85); err != nil {
		return nil, nil, 0, 0, err
	}
	if thumb, err = encodeJPEG(fit(img, ThumbSide), 80); err != nil {
		return nil, nil, 0, 0, err
	}
	return full, thumb, b.Dx(), b.Dy(), nil
}

// fit scales img down to at most side on its longer edge, on white (a
// transparent PNG has no black background in a JPEG).
func fit(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > side || h > side {
		if w >= h {
			w, h = side, max(1, h*side/w)
		} else {
			w, h = max(1, w*side/h), side
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, xdraw.Src)
	xdraw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, xdraw.Over, nil)
	return dst
}

func encodeJPEG(img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// processPhotos re-encodes uploads, refusing more than room of them.
func processPhotos(ups []Upload, room int) ([]*processed, error) {
	if len(ups) > room {
		return nil, errPhoto("每个帖子最多 9 张图片")
	}
	out := make([]*processed, 0, len(ups))
	for _, u := range ups {
		p, err := processPhoto(u)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// PhotoData returns the JPEG of photo id (its thumbnail when thumb) if
// visitor v may read its post. Returns apperr.NotFound otherwise.
func (s *Service) PhotoData(ctx context.Context, v Visitor, id int64, thumb bool) ([]byte, error) {
	col := "image"
	if thumb {
		col = "thumb"
	}
	var postID int64
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT post_id, `+col+` FROM post_photos WHERE id = $1`, id).Scan(&postID, &data)
	if db.NoRows(err) {
		return nil, apperr.New(apperr.NotFound, "图片不存在")
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, v, postID); err != nil {
		return nil, apperr.New(apperr.NotFound, "图片不存在")
	}
	return data, nil
}

// insertPhotos stores photos of post id from position from on.
func insertPhotos(ctx context.Context, q db.Querier, id int64, from int, photos []*processed, now any) error {
	for i, p := range photos {
		if _, err := q.ExecContext(ctx, `INSERT INTO post_photos (post_id, position, width, height, image, thumb, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, from+i, p.width, p.height, p.image, p.thumb, now); err != nil {
			return err
		}
	}
	return nil
}

// sniffImage reports whether data starts like a JPEG, PNG or WebP file.
func sniffImage(b []byte) bool {
	return bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) ||
		bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) ||
		len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP"
}
