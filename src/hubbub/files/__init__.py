"""Files and pictures: where the bytes live, what they are, who may read them.

`blobs` stores bytes by content hash (an interface with a local-directory implementation),
`sniff` names a file's type from its bytes, `images` measures pictures and makes thumbnails,
`signing` issues and checks capability URLs, `service` ties them to the store's records.
"""

from .blobs import Blob, BlobStore, LocalBlobStore, Upload
from .images import BadImage, ImageInfo, probe_image
from .signing import Signer, load_secret
from .sniff import sniff

__all__ = ["Blob", "BlobStore", "LocalBlobStore", "Upload", "BadImage", "ImageInfo", "probe_image",
           "Signer", "load_secret", "sniff"]
