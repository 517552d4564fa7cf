# The optional CUDA backend (issue 24; include/widthlab/device.h): sets WIDTHLAB_CUDA_ON and prints one status line
# saying whether CUDA is on and why. On when WIDTHLAB_CUDA is ON, this is neither a sanitizer nor a fuzz build, nvcc
# works (check_language) and the toolkit has cuBLAS. nvcc is -DCMAKE_CUDA_COMPILER or $CUDACXX when given, else
# /usr/local/cuda/bin/nvcc when it exists (the machine image installs it there), else the one on PATH. No GPU is
# needed to build: the device code is compiled for CMAKE_CUDA_ARCHITECTURES (default 90, the H200 the project is
# lent; "native" cannot work on a machine without a GPU).
set(WIDTHLAB_CUDA_ON OFF)
if(NOT WIDTHLAB_CUDA)
  set(_why "WIDTHLAB_CUDA=OFF")
elseif(WIDTHLAB_SANITIZE OR WIDTHLAB_FUZZ)
  set(_why "sanitizer and fuzz builds are CPU-only")
else()
  # /usr/local/cuda/bin/nvcc before PATH: the machine image also puts a wrapper script /usr/local/bin/nvcc on PATH,
  # from whose location CMake cannot find the toolkit (its compiler identification then fails).
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(ENV{CUDACXX} /usr/local/cuda/bin/nvcc)  # check_language and enable_language read it
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(NOT CMAKE_CUDA_COMPILER)
    set(_why "no working nvcc found; install the CUDA toolkit (/usr/local/cuda) or set CUDACXX")
  else()
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)
    endif()
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    enable_language(CUDA)
    find_package(CUDAToolkit)
    if(NOT TARGET CUDA::cudart OR NOT TARGET CUDA::cublas)
      set(_why "nvcc ${CMAKE_CUDA_COMPILER_VERSION} found at ${CMAKE_CUDA_COMPILER}, but not cudart and cuBLAS")
    else()
      set(WIDTHLAB_CUDA_ON ON)
      list(JOIN CMAKE_CUDA_ARCHITECTURES "," _archs)
      message(STATUS "widthlab: CUDA on (nvcc ${CMAKE_CUDA_COMPILER_VERSION} at ${CMAKE_CUDA_COMPILER}, sm_${_archs}; "
                     "the GPU paths run only where a GPU is present)")
    endif()
  endif()
endif()
if(NOT WIDTHLAB_CUDA_ON)
  message(STATUS "widthlab: CUDA off (${_why}); --device cuda will say so")
endif()
# For scripts (bench/gpu_check.sh): whether this build directory has the CUDA backend.
set(WIDTHLAB_CUDA_ENABLED ${WIDTHLAB_CUDA_ON} CACHE INTERNAL "CUDA backend built in (cmake/cuda.cmake)")
