"""Every nn layer, one concept per file."""
from .module import Module, register_module_forward_hook, register_module_forward_pre_hook
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict

# ---- layer modules (the nn helper adds import lines below) ----
from .linear import Identity, Linear, Bilinear
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .activation import (Tanh, Sigmoid, Softsign, Tanhshrink, LogSigmoid, Mish, ReLU, ReLU6, SiLU,
                         Hardswish, Hardsigmoid, SELU, LeakyReLU, ELU, CELU, GELU, Softplus, Hardtanh,
                         Softshrink, Hardshrink, Threshold, PReLU, GLU, Softmax, LogSoftmax, Softmin,
                         Softmax2d)
from .pooling import (MaxPool1d, MaxPool2d, MaxPool3d, AvgPool1d, AvgPool2d, AvgPool3d, AdaptiveAvgPool1d,
                      AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
                      AdaptiveMaxPool3d, MaxUnpool2d, LPPool2d, FractionalMaxPool2d, FractionalMaxPool3d)
from .padding import (ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d,
                      ReplicationPad3d, CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d,
                      ConstantPad2d, ConstantPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .batchnorm import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d,
                        InstanceNorm3d)
from .normalization import LayerNorm, RMSNorm, GroupNorm, LocalResponseNorm
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout
from .loss import (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, NLLLoss, CrossEntropyLoss, BCELoss,
                   BCEWithLogitsLoss, KLDivLoss, PoissonNLLLoss, GaussianNLLLoss, SoftMarginLoss,
                   MarginRankingLoss, HingeEmbeddingLoss, CosineEmbeddingLoss, TripletMarginLoss,
                   MultiMarginLoss, MultiLabelSoftMarginLoss, CosineSimilarity, PairwiseDistance)
from .misc import (Flatten, Unflatten, Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle,
                   PixelUnshuffle, Embedding)
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell
from .transformer import (MultiheadAttention, TransformerEncoderLayer, TransformerDecoderLayer,
                          TransformerEncoder, TransformerDecoder, Transformer)
from .extra import (Fold, Unfold, EmbeddingBag, CTCLoss, MultiLabelMarginLoss,
                    TripletMarginWithDistanceLoss, ChannelShuffle, LPPool1d, LPPool3d, RReLU,
                    MaxUnpool1d, MaxUnpool3d)
from .lazy import (LazyModuleMixin, LazyLinear, LazyConv1d, LazyConv2d, LazyConv3d,  # noqa: E402,F401
                   LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d, LazyBatchNorm1d,
                   LazyBatchNorm2d, LazyBatchNorm3d, LazyInstanceNorm1d, LazyInstanceNorm2d,
                   LazyInstanceNorm3d)
from .adaptive import AdaptiveLogSoftmaxWithLoss  # noqa: E402,F401
from .linear_cross_entropy import LinearCrossEntropyLoss, LinearCrossEntropyOptions  # noqa: E402,F401
