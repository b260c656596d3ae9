"""Render |phi| of a run's last snapshot from its XDMF sidecar with ParaView (the README's picture):

    xvfb-run -a -s "-screen 0 1280x1024x24 +extension GLX" pvbatch scripts/paraview_render.py RUN.xmf OUT.png

(output.xdmf: true writes RUN.xmf beside RUN.h5; scripts/install-deps.sh --with-paraview installs
ParaView and Xvfb.)"""
import sys
from paraview.simple import (ColorBy, GetActiveViewOrCreate, GetColorTransferFunction, GetScalarBar, Render, SaveScreenshot, Show, Text,
                             Xdmf3ReaderS)
r = Xdmf3ReaderS(FileName=[sys.argv[1]])
t = r.TimestepValues[-1]
v = GetActiveViewOrCreate("RenderView")
v.ViewSize = [900, 760]
v.ViewTime = t
d = Show(r, v)
ColorBy(d, ("POINTS", "abs_phi"))
lut = GetColorTransferFunction("abs_phi")
lut.ApplyPreset("Viridis (matplotlib)", True)
d.RescaleTransferFunctionToDataRange(False, True)
bar = GetScalarBar(lut, v)
bar.Title = "abs(phi)"
bar.ComponentTitle = ""
bar.Visibility = 1
v.OrientationAxesVisibility = 0
text = Text(Text="NFCS default run: abs(phi) at t = %g (ParaView, Xdmf3ReaderS)" % t)
tv = Show(text, v)
tv.FontSize = 14
tv.WindowLocation = "Upper Center"
# look along the axis the plane is flat in (the XDMF readers place a 2D mesh in the y-z plane)
b = r.GetDataInformation().GetBounds()
ext = [b[1] - b[0], b[3] - b[2], b[5] - b[4]]
flat = ext.index(min(ext))
c = [(b[0] + b[1]) / 2, (b[2] + b[3]) / 2, (b[4] + b[5]) / 2]
pos = list(c)
pos[flat] += 10 * max(ext)
v.CameraFocalPoint = c
v.CameraPosition = pos
v.CameraViewUp = [0, 0, 1] if flat != 2 else [0, 1, 0]
v.CameraParallelProjection = 1
v.ResetCamera()
Render(v)
SaveScreenshot(sys.argv[2], v, ImageResolution=[900, 760])
